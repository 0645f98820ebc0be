// One background sync run, as the BGTaskScheduler task below (Apple only) and the Linux
// tests use it: open the diary, sync, hand the alerts this run found to the app, close.
// The alerts are stored in the diary by then (`VaoraDiary.alerts()` lists them), so a
// notification that fails to show loses nothing. Builds on Linux.
import Foundation

/// How a background run ended, and what the scheduler should do about it.
public enum BackgroundSyncResult: Sendable {
    /// Synced; the summary says what moved and which alerts were new.
    case done(SyncSummary)
    /// Offline, the server busy, or the Keychain locked: try again later.
    case retryLater(VaoraError)
    /// Retrying will not help (not registered, refused, a damaged diary).
    case failed(VaoraError)
}

/// One sync run for a scheduler. `onNewAlerts` gets the alerts this run found (already
/// stored): post a notification. `server`: nil = the server the device registered with.
public struct BackgroundSync: Sendable {
    public var openDiary: @Sendable () async throws -> VaoraDiary
    public var onNewAlerts: @Sendable ([ExposureAlert]) async -> Void
    public var server: String?
    public var transport: HttpTransport

    public init(openDiary: @escaping @Sendable () async throws -> VaoraDiary,
                onNewAlerts: @escaping @Sendable ([ExposureAlert]) async -> Void,
                server: String? = nil,
                transport: HttpTransport = URLSessionTransport.shared) {
        self.openDiary = openDiary
        self.onNewAlerts = onNewAlerts
        self.server = server
        self.transport = transport
    }

    public func run() async -> BackgroundSyncResult {
        do {
            let diary = try await openDiary()
            do {
                let summary = try await diary.sync(server: server, transport: transport)
                if !summary.newAlerts.isEmpty { await onNewAlerts(summary.newAlerts) }
                await diary.close()
                return .done(summary)
            } catch {
                await diary.close()
                throw error
            }
        } catch let error as VaoraError {
            switch error.code {
            case .network, .offline, .keyStoreFailed, .storage: return .retryLater(error)
            default: return .failed(error)
            }
        } catch {
            return .failed(.Internal(code: .internal, reason: "\(error)"))
        }
    }
}

#if canImport(BackgroundTasks) && canImport(UIKit)
import BackgroundTasks
import UserNotifications

// NOT BUILT HERE (needs iOS). A sketch of the wiring, kept small:
//
//   // Info.plist: BGTaskSchedulerPermittedIdentifiers = ["app.vaora.sync"]
//   // application(_:didFinishLaunchingWithOptions:):
//   VaoraBackgroundSync.register { BackgroundSync(openDiary: { try await VaoraDiary.open(path: …, keyStore: KeychainKeyStore()) },
//                                                onNewAlerts: VaoraBackgroundSync.notify) }
//   // sceneDidEnterBackground: VaoraBackgroundSync.schedule()
public enum VaoraBackgroundSync {
    public static let identifier = "app.vaora.sync"

    /// Registers the task handler; call before the app finishes launching.
    public static func register(_ makeRun: @escaping @Sendable () -> BackgroundSync) {
        BGTaskScheduler.shared.register(forTaskWithIdentifier: identifier, using: nil) { task in
            schedule() // the next run
            let work = Task {
                let result = await makeRun().run()
                if case .done = result { task.setTaskCompleted(success: true) } else { task.setTaskCompleted(success: false) }
            }
            task.expirationHandler = { work.cancel() }
        }
    }

    /// Asks for a run when the network is there, in about `after` seconds or later.
    public static func schedule(after: TimeInterval = 6 * 3600) {
        let request = BGAppRefreshTaskRequest(identifier: identifier)
        request.earliestBeginDate = Date(timeIntervalSinceNow: after)
        try? BGTaskScheduler.shared.submit(request)
    }

    /// The default alert hook: one local notification per run that found alerts.
    public static func notify(_ alerts: [ExposureAlert]) async {
        let content = UNMutableNotificationContent()
        content.title = "Possible exposure"
        content.body = Set(alerts.map { $0.venueName }).sorted().joined(separator: ", ")
        let request = UNNotificationRequest(identifier: "vaora-exposure", content: content, trigger: nil)
        try? await UNUserNotificationCenter.current().add(request)
    }
}
#endif
