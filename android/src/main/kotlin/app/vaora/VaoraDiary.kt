// The idiomatic entry point: an open diary whose every call is a suspend function that runs
// on an IO dispatcher (SQLCipher, signing, the key store and sync's engine all block), so
// calling from the main thread is safe by construction. Pure Kotlin over the generated
// bindings (same package): compiled and tested on the JVM by `cargo xtask kotlin-test`.
package app.vaora

import java.io.Closeable
import java.io.File
import java.time.Instant
import java.time.ZoneId
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicBoolean
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.channels.BufferOverflow
import kotlinx.coroutines.flow.MutableSharedFlow
import kotlinx.coroutines.flow.SharedFlow
import kotlinx.coroutines.flow.asSharedFlow
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/**
 * An open, encrypted diary: the household, check-ins, declarations, trust, sync and alerts.
 *
 * Every function is `suspend` and runs on [io] (by default [Dispatchers.IO]), sync included:
 * call them from `lifecycleScope`/`viewModelScope` on the main thread without blocking it.
 * Open one per process and keep it; [close] releases the database (later calls throw
 * [VaoraException.Storage] with code [ErrorCode.CLOSED]).
 *
 * Ids are 32 lowercase hex digits; instants are [Instant]. Errors are [VaoraException]s with
 * a stable [ErrorCode] (`e.code`); a refused health answer is [VaoraException.InvalidAnswer].
 */
class VaoraDiary private constructor(
    private val raw: Vaora,
    private val io: CoroutineDispatcher,
) : Closeable {
    private val closed = AtomicBoolean(false)
    private val changeEvents = MutableSharedFlow<DiaryChange>(
        extraBufferCapacity = 64,
        onBufferOverflow = BufferOverflow.DROP_OLDEST,
    )

    init {
        // One observer for the diary, fanned out as `changes` (it only signals: it never
        // calls back into the diary, which the observer contract forbids).
        raw.setChangeObserver(object : ChangeObserver {
            override fun onChange(change: DiaryChange) {
                changeEvents.tryEmit(change)
            }
        })
    }

    companion object {
        private val closing = ConcurrentHashMap<String, Job>()
        private val closer = CoroutineScope(SupervisorJob() + Dispatchers.IO)

        /**
         * Opens (or creates) the diary at [path]. The key is made by Rust and sealed by
         * [keyStore] (Android: `AndroidKeystoreKeyStore`); it never rests unsealed on disk.
         *
         * [options] defaults: the device's own UTC offset ([deviceUtcOffsetSeconds]), 21 days
         * of retention, and an owner named "Tôi" ("me"; pass `DiaryOptions(ownerName = …)`
         * for a new diary, or [renamePerson] the owner later).
         *
         * Throws [VaoraException.Key]: [ErrorCode.KEY_LOST] when the key store can no longer
         * unseal the key (offer [recoverAfterKeyLoss]), [ErrorCode.WRONG_KEY],
         * [ErrorCode.KEY_STORE_FAILED].
         */
        suspend fun open(
            path: String,
            keyStore: KeyStore,
            options: DiaryOptions = DiaryOptions(),
            io: CoroutineDispatcher = Dispatchers.IO,
        ): VaoraDiary = opened(path, io) { Vaora.open(path, keyStore, withDeviceOffset(options)) }

        /**
         * After [ErrorCode.KEY_LOST]: moves the unreadable diary aside (kept, see
         * [movedAsideTo]) and starts a fresh one with a new sealed key.
         */
        suspend fun recoverAfterKeyLoss(
            path: String,
            keyStore: KeyStore,
            options: DiaryOptions = DiaryOptions(),
            io: CoroutineDispatcher = Dispatchers.IO,
        ): VaoraDiary = opened(path, io) { Vaora.recoverAfterKeyLoss(path, keyStore, withDeviceOffset(options)) }

        /** Opens on [io], once a diary of the same file closed a moment ago is fully closed. */
        private suspend fun opened(path: String, io: CoroutineDispatcher, open: () -> Vaora): VaoraDiary =
            withContext(io) {
                closing[key(path)]?.join()
                VaoraDiary(open(), io)
            }

        /** This device's offset from UTC now, in seconds (what [open] uses by default). */
        fun deviceUtcOffsetSeconds(): Int = ZoneId.systemDefault().rules.getOffset(Instant.now()).totalSeconds

        /** The owner's name in a new diary when [DiaryOptions.ownerName] is not given: "Tôi". */
        val defaultOwnerName: String get() = app.vaora.defaultOwnerName()

        private fun withDeviceOffset(options: DiaryOptions) =
            if (options.utcOffsetSeconds != null) options else options.copy(utcOffsetSeconds = deviceUtcOffsetSeconds())

        private fun key(path: String) = File(path).absoluteFile.normalize().path
    }

    /** Runs [block] against the generated object on [io]; [ErrorCode.CLOSED] once closed. */
    private suspend fun <T> call(block: (Vaora) -> T): T {
        checkOpen()
        return withContext(io) {
            checkOpen()
            block(raw)
        }
    }

    /** An async FFI call: the Rust future is polled by the coroutine that awaits it, on [io]. */
    private suspend fun <T> callAsync(block: suspend (Vaora) -> T): T {
        checkOpen()
        return withContext(io) { block(raw) }
    }

    private fun checkOpen() {
        if (closed.get()) throw VaoraException.Storage(ErrorCode.CLOSED, "the diary is closed")
    }

    // ---- the diary itself ----

    /** Where [recoverAfterKeyLoss] moved the unreadable diary (null otherwise). */
    val movedAsideTo: String? get() = raw.movedAsideTo()

    /** The UTC offset (seconds) local days are reckoned with. */
    val utcOffsetSeconds: Int get() = raw.utcOffsetSeconds()

    /** The device's Ed25519 public key (32 bytes). */
    suspend fun devicePublicKey(): ByteArray = call { it.devicePublicKey() }

    /** Folds the write-ahead log into the diary file: call it from `onStop`. */
    suspend fun checkpoint(): Int = call { it.checkpoint() }

    // ---- household ----

    /** The device owner (always there; named "Tôi" unless renamed). */
    suspend fun owner(): PersonInfo = call { it.owner() }

    /** The owner first, then members in the order they were added. */
    suspend fun people(): List<PersonInfo> = call { it.listPeople() }

    /** Adds someone without a phone (a parent, a child) to check in and declare for. */
    suspend fun addMember(displayName: String, relation: String? = null, birthYear: Int? = null): PersonInfo =
        call { it.addMember(NewMember(displayName, relation, birthYear)) }

    /**
     * Adds the holder of a scanned CCCD or BHYT card (its decoded text) as a household
     * member: name and birth year from the card; only a keyed hash of the card number is
     * kept. An invalid card throws [VaoraException.Input] ([ErrorCode.INVALID_INPUT]) and
     * stores nothing.
     */
    suspend fun addMemberFromCard(cardText: String, relation: String? = null): PersonInfo =
        call { it.addMemberFromCard(cardText, relation) }

    /** Renames anyone, the owner included. */
    suspend fun renamePerson(personId: String, newName: String) = call { it.renamePerson(personId, newName) }

    /** Removes a member (not the owner); their check-ins stay until retention purges them. */
    suspend fun removePerson(personId: String) = call { it.removePerson(personId) }

    // ---- check-ins ----

    /**
     * Verifies a scanned venue code and checks [people] in (empty: the owner). See
     * [VenueCheckIn]: `CheckedIn`, `NeedsConfirmation` (ask, then call again with
     * [acceptUnverified] = true) or `Refused`; nothing is written unless checked in.
     */
    suspend fun checkInAtVenue(
        codeText: String,
        people: List<String> = emptyList(),
        acceptUnverified: Boolean = false,
    ): VenueCheckIn = call { it.checkInAtVenue(codeText, people, acceptUnverified) }

    /** Checks in by hand (no code): one check-in per person. */
    suspend fun checkInManually(request: ManualCheckIn): List<CheckInInfo> = call { it.checkInManual(request) }

    /** Checks out one check-in at [at] (null: now); returns the ids closed. */
    suspend fun checkOut(checkinId: String, at: Instant? = null): List<String> = call { it.checkOut(checkinId, at) }

    /** Checks out everyone still checked in; returns the ids closed. */
    suspend fun checkOutAll(at: Instant? = null): List<String> = call { it.checkOut(null, at) }

    /** Corrects a check-in's times (out after in, nothing in the future). */
    suspend fun editTimes(checkinId: String, checkedInAt: Instant, checkedOutAt: Instant?): CheckInInfo =
        call { it.editTimes(checkinId, checkedInAt, checkedOutAt) }

    /** One check-in; [ErrorCode.NOT_FOUND] when there is none. */
    suspend fun checkin(checkinId: String): CheckInInfo = call { it.checkin(checkinId) }

    /**
     * A page of check-ins, newest first (everyone's, or [personId]'s). [after]: null for the
     * first page, else the previous page's [CheckInPage.next]. [limit]: 1..500.
     */
    suspend fun checkinPage(personId: String? = null, after: String? = null, limit: Int = 50): CheckInPage =
        call { it.checkinPage(personId, after, limit) }

    /** Check-ins still open, oldest first. */
    suspend fun openCheckins(): List<CheckInInfo> = call { it.openCheckins() }

    // ---- declarations and personal codes ----

    /**
     * A health declaration for the owner, or (with [personId]) a proxy declaration for a
     * member. Returns it with its signed personal code ([DeclarationInfo.personalCode]).
     * A refused answer throws [VaoraException.InvalidAnswer] naming the field and problem.
     */
    suspend fun declare(answers: HealthAnswers, personId: String? = null): DeclarationInfo =
        call { it.declare(personId, answers) }

    /** The newest declaration about the owner or [personId], or null. */
    suspend fun latestDeclaration(personId: String? = null): DeclarationInfo? = call { it.latestDeclaration(personId) }

    /** Checks a scanned personal code offline against this diary's trusted authorities. */
    suspend fun verifyPersonalCode(text: String): PersonalCodeCheck = call { it.verifyPersonalCode(text) }

    // ---- venue codes and trust ----

    /**
     * Trusts the health authority's **root key set**, the `keyset.json` an app ships in its
     * assets (read it with `assets.open("vaora/keyset.json")`): its signer becomes a trusted
     * root, so later key sets from sync are accepted only when that root signed them.
     * Call it after every [open]: applying the same set again changes nothing. Never pass
     * a set that came from the network or a scanned code here: use [applyKeySet].
     */
    suspend fun installRootKeySet(json: String): Int = call { it.applyKeyset(json, KeySetTrust.PIN_AS_ROOT) }

    /** Applies a key set signed by a root already trusted ([ErrorCode.CODE_REFUSED] otherwise). */
    suspend fun applyKeySet(json: String): Int = call { it.applyKeyset(json, KeySetTrust.KNOWN_ROOT) }

    /** Verifies a venue-code text now; writes nothing. */
    suspend fun verifyVenueCode(text: String): ScannedVenueCode = call { it.verifyVenueCode(text) }

    /** What a decoded text is: venue code, personal code, ID card, insurance card, or other. */
    suspend fun classify(text: String): ClassifiedCode = call { it.classifyText(text) }

    /** Scans [frame] and classifies every code in it (venue codes verified). */
    suspend fun scanCodes(frame: CameraFrame, settings: ScanSettings = ScanSettings()): List<ClassifiedCode> =
        call { it.scanCodes(frame.layout(), settings, frame.plane(0), frame.plane(1), frame.plane(2)) }

    // ---- the staff desk ----

    /**
     * Opens a staff desk at the venue of [venueCode] (the poster's decoded text), which
     * must verify against the trust store: unknown, expired or revoked venues throw
     * [VaoraException.Input] with [ErrorCode.CODE_REFUSED]. See [VaoraStaffDesk].
     */
    suspend fun openStaffDesk(venueCode: String, settings: DeskSettings = DeskSettings()): VaoraStaffDesk =
        call { VaoraStaffDesk(it.openStaffDesk(venueCode, settings), io, ::checkOpen) }

    // ---- sync and alerts ----

    /** Registers this device with [server] (once, before the first [sync]); returns its id. */
    suspend fun registerDevice(server: String, transport: HttpTransport = HttpUrlConnectionTransport()): String {
        checkOpen()
        // The Rust future is polled by the coroutine that awaits it: keep that on [io].
        return withContext(io) { raw.registerDevice(transport, server) }
    }

    /**
     * Uploads what waits, downloads keys and exposure windows, matches them, stores new
     * alerts (see [alerts]). Runs on [io] even when called from the main thread; [onProgress]
     * is called there too (post to the UI yourself). Cancelling the coroutine stops it with
     * nothing lost; so does [cancel]. [server]: null = the one registered with.
     */
    suspend fun sync(
        server: String? = null,
        onProgress: ((SyncStep) -> Unit)? = null,
        cancel: SyncCancel? = null,
        transport: HttpTransport = HttpUrlConnectionTransport(),
    ): SyncSummary {
        checkOpen()
        val listener = onProgress?.let { f ->
            object : SyncListener {
                override fun onProgress(step: SyncStep) = f(step)
            }
        }
        return withContext(io) { raw.sync(transport, server, listener, cancel) }
    }

    /** Records waiting for sync, sent, and refused (for a "3 waiting" badge). */
    suspend fun outboxCounts(): OutboxCounts = call { it.outboxCounts() }

    /** Every stored exposure alert, newest first (background syncs store them too). */
    suspend fun alerts(): List<ExposureAlert> = call { it.alerts() }

    /**
     * Marks alerts seen (as [alerts] or a sync handed them over), so [alerts] lists them with
     * `seen = true`; returns how many were not seen before.
     */
    suspend fun markAlertsSeen(alerts: List<ExposureAlert>): Long = call { it.markAlertsSeen(alerts) }

    // ---- venues the owner registers ----

    /**
     * Registers the owner's venue on [server] (no authority credential) and keeps it in
     * [myVenues] with its signed code and management secret (show the secret to the owner
     * once; never log it). Runs on [io]. Refusals throw [VaoraException.Network] with the
     * server's reason (too many registrations, five venues per phone, a bad field).
     * Open the staff desk for it with [MyVenue.codeText].
     */
    suspend fun registerOwnVenue(
        server: String,
        form: OwnVenueForm,
        transport: HttpTransport = HttpUrlConnectionTransport(),
    ): MyVenue = callAsync { it.registerOwnVenue(transport, server, form) }

    /** The venues this phone's owner registered, newest first. */
    suspend fun myVenues(): List<MyVenue> = call { it.myVenues() }

    /** Forgets a venue on this phone (it stays registered on the server). */
    suspend fun removeMyVenue(venueId: String): Boolean = call { it.removeMyVenue(venueId) }

    /**
     * The owner's side: a single-use code (valid 10 minutes) that enrols a staff phone at one
     * of [myVenues]; show it as a QR for the staff phone to scan. Runs on [io].
     */
    suspend fun staffEnrolmentCode(
        venueId: String,
        transport: HttpTransport = HttpUrlConnectionTransport(),
    ): StaffEnrolmentCode = callAsync { it.staffEnrolmentCode(transport, venueId) }

    /**
     * The staff phone's side (after [registerDevice]): redeems the owner's code; this device
     * is then the venue's staff. Runs on [io].
     */
    suspend fun enrolAsStaff(
        code: String,
        transport: HttpTransport = HttpUrlConnectionTransport(),
    ): StaffEnrolment = callAsync { it.enrolAsStaff(transport, code) }

    // ---- field inspection ----

    /**
     * Checks a scanned poster now, offline, on [io]: its code against the trust store
     * ([PosterCheck.code]) and its venue against the downloaded ward list
     * ([PosterCheck.place]: [PlaceFinding.NOT_CHECKED] before [downloadWorkList]). Writes
     * nothing. A text that is not a venue code throws [VaoraException.Input]
     * ([ErrorCode.INVALID_INPUT]).
     */
    suspend fun checkPoster(codeText: String): PosterCheck = call { it.checkPoster(codeText) }

    /**
     * Checks the poster of [codeText] and records what the inspector found ([form]) as a
     * signed inspection, queued for the next [sync] (the server keeps it only from a
     * certified inspector: [enrolAsInspector]). Returns it with its verdict. Runs on [io].
     */
    suspend fun recordInspection(codeText: String, form: InspectionForm): Inspection =
        call { it.recordInspection(codeText, form) }

    /** The inspections this phone recorded, newest first. */
    suspend fun inspections(): List<Inspection> = call { it.inspections() }

    /** The downloaded ward list (see [downloadWorkList]), venues due first. */
    suspend fun workList(): List<WardVenue> = call { it.workList() }

    /**
     * The inspector's side (after [registerDevice]): redeems the authority's single-use
     * inspector code (shown by the console); this device is then a certified inspector.
     * Runs on [io]. A used, expired or unknown code throws [VaoraException.Network]
     * ([ErrorCode.SERVER_REFUSED]) with the server's reason.
     */
    suspend fun enrolAsInspector(
        code: String,
        transport: HttpTransport = HttpUrlConnectionTransport(),
    ) = callAsync { it.enrolAsInspector(transport, code) }

    /**
     * Downloads [ward]'s venue list ("" = every ward; venues not inspected for [days] are
     * due) and keeps it for offline [checkPoster], replacing the previous one; returns it
     * as [workList] does. Runs on [io]. A device that is not a certified inspector throws
     * [VaoraException.Network] ([ErrorCode.SERVER_REFUSED]).
     */
    suspend fun downloadWorkList(
        ward: String,
        days: Int = 14,
        transport: HttpTransport = HttpUrlConnectionTransport(),
    ): List<WardVenue> = callAsync { it.downloadWorkList(transport, ward, days) }

    // ---- change streams ----

    /** Every committed change, by area (people, check-ins, outbox, alerts…). */
    val changes: SharedFlow<DiaryChange> = changeEvents.asSharedFlow()

    /** Releases the database (on [io], without blocking the caller); later calls throw [ErrorCode.CLOSED]. */
    override fun close() {
        if (!closed.compareAndSet(false, true)) return
        val path = key(raw.path())
        val job = closer.launch {
            try {
                raw.setChangeObserver(null)
                raw.closeDiary()
            } catch (_: VaoraException) {
                // Nothing to hand it to: the next open reports what is wrong with the file.
            } finally {
                raw.close()
            }
        }
        closing[path] = job
        job.invokeOnCompletion { closing.remove(path, job) }
    }
}
