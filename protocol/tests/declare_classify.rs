//! The scanner's classification returns personal codes and ID cards as their own kinds,
//! verified and parsed: a device certificate issued with the venue authority's key is
//! recognised through the venue trust store, a revoked authority key is not, and a
//! damaged card is reported as that card with its typed error.

// Test helpers outside #[test] functions unwrap too: this whole file is test code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{Duration, TimeZone, Utc};
use vaora_protocol::codes::{Classified, classify};
use vaora_protocol::declare::{
    AuthorityKey, CertificateError, CodeStatus, DeviceCertificate, DeviceTrust, PersonalCode,
};
use vaora_protocol::identity::DeviceIdentity;
use vaora_protocol::ids::Id128;
use vaora_protocol::venue::{SignerPolicy, TrustStore};

#[test]
fn personal_codes_and_cards_are_their_own_kinds() {
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 3, 0, 0).unwrap();
    let authority = vaora_protocol::testing::test_authority();
    let mut store = TrustStore::new();
    store
        .apply_keyset(
            &authority.self_signed_keyset(now.timestamp() - 60),
            SignerPolicy::PinSelfSigned,
        )
        .unwrap();
    let keys = AuthorityKey::from_trust_store(&store);
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].key_id, authority.key_id().to_string());

    let device = DeviceIdentity::from_secret_bytes(&[5; 32]).unwrap();
    let cert = DeviceCertificate::issue_by(
        &authority,
        device.public_key(),
        now - Duration::days(1),
        now + Duration::days(30),
    );
    let text = PersonalCode {
        display_name: "Hồ Thị Kỷ".into(),
        birth_year: Some(1955),
        declaration_id: Id128::from_bytes([6; 16]),
        declared_at: now - Duration::hours(1),
        trigger_mask: 0,
        declared_by: None,
        valid_until: now + Duration::hours(23),
        device_key: device.public_key(),
        certificate: Some(cert),
    }
    .sign(&device)
    .unwrap();

    match classify(&text, &store, now) {
        Classified::Personal(Ok(v)) => {
            assert_eq!(v.status, CodeStatus::Valid);
            assert_eq!(v.code.display_name, "Hồ Thị Kỷ");
        }
        other => panic!("expected a valid personal code, got {other:?}"),
    }
    // Without the authority in the trust store the same code is only self-signed.
    match classify(&text, &TrustStore::new(), now) {
        Classified::Personal(Ok(v)) => {
            assert_eq!(v.status, CodeStatus::ValidSelfSigned);
            assert!(matches!(
                v.device,
                DeviceTrust::SelfSigned {
                    reason: Some(CertificateError::UnknownAuthority(_))
                }
            ));
        }
        other => panic!("expected a self-signed personal code, got {other:?}"),
    }
    // A revoked authority key no longer certifies devices.
    let mut revoked = store.clone();
    revoked.revoked_keys.insert(authority.key_id());
    assert!(AuthorityKey::from_trust_store(&revoked).is_empty());
    // An altered code is a personal code that failed.
    let mut altered = text.clone().into_bytes();
    let i = altered.len() - 20;
    altered[i] = if altered[i] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).unwrap();
    assert_eq!(classify(&altered, &store, now).kind(), "personal");
    assert!(matches!(
        classify(&altered, &store, now),
        Classified::Personal(Err(_))
    ));

    let cccd = "079185001234|123456789|Nguyễn Thị Hoa|15031985|Nữ|12 Lê Lợi, Quận 1|01072021";
    match classify(cccd, &store, now) {
        Classified::Cccd(Ok(c)) => assert_eq!(c.full_name, "Nguyễn Thị Hoa"),
        other => panic!("expected a CCCD card, got {other:?}"),
    }
    let damaged = cccd.replace("15031985", "31021985");
    assert!(matches!(
        classify(&damaged, &store, now),
        Classified::Cccd(Err(e)) if e.code() == "bad-date"
    ));
    let bhyt = format!(
        "HC4010120000123|{}|02/09/1945|1|{}|01-001|01/01/2026|31/12/2026|20/12/2025|$",
        hex::encode("Hồ Văn Minh"),
        hex::encode("Hà Nội")
    );
    match classify(&bhyt, &store, now) {
        Classified::Bhyt(Ok(c)) => assert_eq!(c.full_name, "Hồ Văn Minh"),
        other => panic!("expected a BHYT card, got {other:?}"),
    }
    assert_eq!(classify("xin chào", &store, now).kind(), "unknown");
}
