//! Every refusal on the staff side is its own result: expired code, uncertified device
//! under a policy that requires certification, a forged or copied certificate, altered
//! content, a wrong signature; and Vietnamese text survives byte-exact (NFC and NFD).

// Test helpers outside #[test] functions unwrap too: this whole file is test code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use ed25519_dalek::SigningKey;
use vaora_protocol::declare::{
    AuthorityKey, CertificateError, CodeStatus, DeviceCertificate, DeviceTrust, PersonalCode,
    PersonalCodeError, StaffCheckInBody, StaffError, StaffPolicy,
};
use vaora_protocol::identity::DeviceIdentity;
use vaora_protocol::ids::Id128;
use vaora_protocol::records::VenueRef;
use vaora_protocol::venue::VenueCategory;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 1, 0, 0).unwrap()
}

fn code(device: &DeviceIdentity, name: &str, cert: Option<DeviceCertificate>) -> PersonalCode {
    PersonalCode {
        display_name: name.into(),
        birth_year: Some(1970),
        declaration_id: Id128::from_bytes([1; 16]),
        declared_at: t0(),
        trigger_mask: 0,
        declared_by: None,
        valid_until: t0() + Duration::hours(24),
        device_key: device.public_key(),
        certificate: cert,
    }
}

fn venue() -> VenueRef {
    VenueRef {
        id: None,
        name: "Siêu thị Co.opmart".into(),
        address: "Quận 3".into(),
        category: VenueCategory::Supermarket,
        issuer_key_id: None,
        verified: false,
    }
}

fn staff(
    code: &vaora_protocol::declare::VerifiedPersonalCode,
    require: bool,
) -> Result<StaffCheckInBody, StaffError> {
    StaffCheckInBody::from_personal_code(
        (Id128::from_bytes([2; 16]), Id128::from_bytes([3; 16])),
        code,
        venue(),
        t0() + Duration::hours(1),
        StaffPolicy {
            require_certified: require,
        },
    )
}

#[test]
fn staff_refuses_expired_and_uncertified() {
    let device = DeviceIdentity::from_secret_bytes(&[1; 32]).unwrap();
    let text = code(&device, "Võ Thị Sáu", None).sign(&device).unwrap();

    let in_time = PersonalCode::verify(&text, t0() + Duration::hours(1), &[]).unwrap();
    assert_eq!(in_time.status, CodeStatus::ValidSelfSigned);
    assert_eq!(in_time.device, DeviceTrust::SelfSigned { reason: None });
    assert!(staff(&in_time, false).is_ok());
    assert_eq!(
        staff(&in_time, true).unwrap_err(),
        StaffError::UncertifiedDevice
    );

    // One second before the end it holds; at the end it has expired.
    let last = PersonalCode::verify(
        &text,
        t0() + Duration::hours(24) - Duration::seconds(1),
        &[],
    )
    .unwrap();
    assert_eq!(last.status, CodeStatus::ValidSelfSigned);
    let expired = PersonalCode::verify(&text, t0() + Duration::hours(24), &[]).unwrap();
    assert_eq!(expired.status, CodeStatus::Expired);
    assert_eq!(staff(&expired, false).unwrap_err(), StaffError::Expired);
}

#[test]
fn certificates_forged_copied_or_lapsed() {
    let device = DeviceIdentity::from_secret_bytes(&[1; 32]).unwrap();
    let auth = SigningKey::from_bytes(&[7; 32]);
    let trusted = [AuthorityKey {
        key_id: "a1".into(),
        public_key: auth.verifying_key().to_bytes(),
    }];
    let window = |from: DateTime<Utc>, to: DateTime<Utc>, key: [u8; 32]| {
        DeviceCertificate::issue("a1", &auth, key, from, to)
    };
    let good = window(
        t0() - Duration::days(1),
        t0() + Duration::days(30),
        device.public_key(),
    );
    let now = t0() + Duration::hours(1);

    let ok = code(&device, "Bùi Xuân Phái", Some(good.clone()))
        .sign(&device)
        .unwrap();
    let v = PersonalCode::verify(&ok, now, &trusted).unwrap();
    assert_eq!(v.status, CodeStatus::Valid);
    assert!(staff(&v, true).is_ok());

    // Self-made certificate: signed by a key claiming the trusted key id.
    let rogue = SigningKey::from_bytes(&[8; 32]);
    let forged = DeviceCertificate::issue(
        "a1",
        &rogue,
        device.public_key(),
        good.not_before,
        good.not_after,
    );
    let text = code(&device, "Bùi Xuân Phái", Some(forged))
        .sign(&device)
        .unwrap();
    assert_eq!(
        PersonalCode::verify(&text, now, &trusted).unwrap_err(),
        PersonalCodeError::BadCertificate(CertificateError::BadSignature)
    );

    // A real certificate copied onto another device's code.
    let thief = DeviceIdentity::from_secret_bytes(&[2; 32]).unwrap();
    let text = code(&thief, "Bùi Xuân Phái", Some(good.clone()))
        .sign(&thief)
        .unwrap();
    assert_eq!(
        PersonalCode::verify(&text, now, &trusted).unwrap_err(),
        PersonalCodeError::BadCertificate(CertificateError::WrongDevice)
    );

    // A lapsed registration: still correctly signed, but only self-signed trust.
    let lapsed = window(
        t0() - Duration::days(60),
        t0() - Duration::days(30),
        device.public_key(),
    );
    let text = code(&device, "Bùi Xuân Phái", Some(lapsed))
        .sign(&device)
        .unwrap();
    let v = PersonalCode::verify(&text, now, &trusted).unwrap();
    assert_eq!(v.status, CodeStatus::ValidSelfSigned);
    assert_eq!(
        v.device,
        DeviceTrust::SelfSigned {
            reason: Some(CertificateError::OutsideValidity)
        }
    );
    assert_eq!(staff(&v, true).unwrap_err(), StaffError::UncertifiedDevice);
}

#[test]
fn signing_with_another_key_is_refused_before_and_after() {
    let device = DeviceIdentity::from_secret_bytes(&[1; 32]).unwrap();
    let other = DeviceIdentity::from_secret_bytes(&[2; 32]).unwrap();
    // The signer refuses to sign a code naming another device key.
    assert_eq!(
        code(&device, "An", None).sign(&other).unwrap_err(),
        PersonalCodeError::BadSignature
    );
}

#[test]
fn vietnamese_text_is_byte_exact_in_both_normal_forms() {
    let device = DeviceIdentity::from_secret_bytes(&[1; 32]).unwrap();
    let nfc = "Nguyễn Thị Ngọc Ánh";
    // The same name decomposed (base letters + combining marks), as some keyboards type it.
    let nfd = "Nguye\u{302}\u{303}n Thi\u{323} Ngo\u{323}c A\u{301}nh";
    assert_ne!(nfc.as_bytes(), nfd.as_bytes());
    for name in [nfc, nfd] {
        let text = code(&device, name, None).sign(&device).unwrap();
        let v = PersonalCode::verify(&text, t0(), &[]).unwrap();
        assert_eq!(v.code.display_name.as_bytes(), name.as_bytes());
        let body = staff(&v, false).unwrap();
        let back = StaffCheckInBody::decode(&body.encode()).unwrap();
        assert_eq!(back.checkin.person_name.as_bytes(), name.as_bytes());
    }
}
