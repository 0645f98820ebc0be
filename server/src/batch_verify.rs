//! Ed25519 batch verification for an upload whose records all come from one device key.
//!
//! Why: signature checks are the largest single cost of ingest. `ed25519_dalek::verify_batch`
//! checks `[-Σ zᵢsᵢ]B + Σ zᵢRᵢ + Σ (zᵢhᵢ)Aᵢ = 0` with one multiscalar multiplication over
//! 2n + 1 points. An upload is signed by a single device, so every `Aᵢ` is the same point
//! `A` and the last sum is `(Σ zᵢhᵢ)A`: the same equation, the same group element, computed
//! over n + 2 points instead of 2n + 1 (about half the multiplication work).
//!
//! Everything else follows `ed25519_dalek::verify_batch` (version 3): `hᵢ = SHA-512(Rᵢ ‖ A ‖ Mᵢ)`
//! reduced mod ℓ, `sᵢ` must be canonical, `Rᵢ` must decompress, no cofactor. The `zᵢ` are
//! 128-bit random scalars from the operating system's generator (dalek derives them from a
//! transcript of the batch; random ones are the textbook choice and just as sound). A batch
//! that fails says only that some signature is bad: the caller then checks each record
//! strictly on its own, so the answer per record never depends on this shortcut.
//!
//! The single check is `verify_strict`, and a batch equation alone is looser than it in
//! two ways (dalek's `verify_batch` shares both):
//! - `verify_strict` refuses a small-order `R` (or key). The batch equation holds for one,
//!   e.g. `R` = identity with `s = h·a`, so this check refuses the batch when any `Rᵢ` or
//!   `A` has small order (three doublings each): the culprit then fails the strict check.
//! - A signature whose equation is off by a torsion point `T` (order 2, 4 or 8) fails the
//!   single check but passes the batch when the torsion terms `Σ zᵢTᵢ` happen to cancel
//!   (probability up to 1/2). Only the holder of the device key can make such a signature
//!   (it needs a valid one to start from), so it lets a device store nothing it could not
//!   have signed properly; it only means such a stored record fails a later strict check.
//!   Ruling it out would cost a multiplication by ℓ per `Rᵢ`, as much as the batch saves.

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use ed25519_dalek::{Digest, Sha512, Signature, VerifyingKey};

/// True when every signature verifies under `key` (batch equation); false when at least
/// one does not, or when the random source fails (the caller then checks one by one).
pub(crate) fn verify_same_key(
    key: &VerifyingKey,
    messages: &[&[u8]],
    signatures: &[Signature],
) -> bool {
    if messages.len() != signatures.len() {
        return false;
    }
    if messages.is_empty() {
        return true;
    }
    let mut random = vec![0u8; 16 * signatures.len()];
    if getrandom::fill(&mut random).is_err() {
        return false;
    }
    let a = key.to_edwards();
    if a.is_small_order() {
        return false;
    }
    let key_bytes = key.as_bytes();
    let mut b_coefficient = Scalar::ZERO;
    let mut a_coefficient = Scalar::ZERO;
    let mut zs: Vec<Scalar> = Vec::with_capacity(signatures.len());
    let mut rs: Vec<Option<EdwardsPoint>> = Vec::with_capacity(signatures.len());
    for ((message, signature), z_bytes) in
        messages.iter().zip(signatures).zip(random.chunks_exact(16))
    {
        let Some(s) = Option::<Scalar>::from(Scalar::from_canonical_bytes(*signature.s_bytes()))
        else {
            return false;
        };
        let r_bytes = signature.r_bytes();
        let mut h = Sha512::new();
        h.update(r_bytes);
        h.update(key_bytes);
        h.update(message);
        let hram = Scalar::from_hash(h);
        let mut wide = [0u8; 32];
        wide[..16].copy_from_slice(z_bytes);
        let z = Scalar::from_bytes_mod_order(wide);
        b_coefficient += z * s;
        a_coefficient += z * hram;
        zs.push(z);
        match CompressedEdwardsY(*r_bytes).decompress() {
            Some(r) if !r.is_small_order() => rs.push(Some(r)),
            _ => return false,
        }
    }
    let scalars = std::iter::once(-b_coefficient)
        .chain(std::iter::once(a_coefficient))
        .chain(zs);
    let points = std::iter::once(Some(ED25519_BASEPOINT_POINT))
        .chain(std::iter::once(Some(a)))
        .chain(rs);
    EdwardsPoint::optional_multiscalar_mul(scalars, points).is_some_and(|p| p.is_identity())
}

/// Batch check for records of several keys (dalek's `verify_batch`), with the same refusal
/// of small-order `R` and keys as [`verify_same_key`], so that it is never looser than
/// `verify_strict` there either.
pub(crate) fn verify_mixed_keys(
    keys: &[VerifyingKey],
    messages: &[&[u8]],
    signatures: &[Signature],
) -> bool {
    let small_order = |bytes: &[u8; 32]| {
        CompressedEdwardsY(*bytes)
            .decompress()
            .is_none_or(|p| p.is_small_order())
    };
    if keys.iter().any(|k| small_order(k.as_bytes()))
        || signatures.iter().any(|s| small_order(s.r_bytes()))
    {
        return false;
    }
    ed25519_dalek::verify_batch(messages, signatures, keys).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::traits::Identity;
    use ed25519_dalek::{Signer, SigningKey, Verifier};

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn batch(signer: &SigningKey, n: usize) -> (Vec<Vec<u8>>, Vec<Signature>) {
        let messages: Vec<Vec<u8>> = (0..n)
            .map(|i| format!("check-in {i} at venue {}", i % 7).into_bytes())
            .collect();
        let signatures = messages.iter().map(|m| signer.sign(m)).collect();
        (messages, signatures)
    }

    fn refs(messages: &[Vec<u8>]) -> Vec<&[u8]> {
        messages.iter().map(Vec::as_slice).collect()
    }

    #[test]
    fn good_batches_verify_like_dalek() {
        let signer = key(7);
        let vk = signer.verifying_key();
        for n in [1, 2, 3, 64, 257] {
            let (m, s) = batch(&signer, n);
            let keys = vec![vk; n];
            assert!(ed25519_dalek::verify_batch(&refs(&m), &s, &keys).is_ok());
            assert!(verify_same_key(&vk, &refs(&m), &s), "batch of {n}");
        }
        assert!(verify_same_key(&vk, &[], &[]));
    }

    #[test]
    fn any_single_fault_fails_the_batch() {
        let signer = key(9);
        let vk = signer.verifying_key();
        let (m, s) = batch(&signer, 40);
        for i in [0, 17, 39] {
            // A changed message.
            let mut bad = m.clone();
            bad[i].push(b'!');
            assert!(!verify_same_key(&vk, &refs(&bad), &s), "message {i}");
            // A flipped bit in R, and in s.
            for byte in [0, 5, 40, 63] {
                let mut raw = s[i].to_bytes();
                raw[byte] ^= 0x04;
                let mut sigs = s.clone();
                sigs[i] = Signature::from_bytes(&raw);
                assert!(
                    !verify_same_key(&vk, &refs(&m), &sigs),
                    "sig {i} byte {byte}"
                );
            }
            // Another record's signature in this place.
            let mut swapped = s.clone();
            swapped.swap(i, (i + 1) % s.len());
            assert!(!verify_same_key(&vk, &refs(&m), &swapped), "swap {i}");
        }
        // Signed by another key.
        let (m2, s2) = batch(&key(10), 40);
        assert!(!verify_same_key(&vk, &refs(&m2), &s2));
        // Mismatched lengths.
        assert!(!verify_same_key(&vk, &refs(&m), &s[..39]));
    }

    #[test]
    fn a_small_order_r_is_refused_like_verify_strict() {
        let signer = key(12);
        let vk = signer.verifying_key();
        let (m, mut s) = batch(&signer, 5);
        // R = identity and s = h·a: the plain equation sB = R + hA holds, verify_strict
        // refuses the small-order R, and so must the batch.
        let r = EdwardsPoint::identity().compress();
        let mut h = Sha512::new();
        h.update(r.as_bytes());
        h.update(vk.as_bytes());
        h.update(&m[2]);
        let s_scalar = Scalar::from_hash(h) * signer.to_scalar();
        let mut raw = [0u8; 64];
        raw[..32].copy_from_slice(r.as_bytes());
        raw[32..].copy_from_slice(s_scalar.as_bytes());
        s[2] = Signature::from_bytes(&raw);
        assert!(vk.verify(&m[2], &s[2]).is_ok(), "the plain equation holds");
        assert!(vk.verify_strict(&m[2], &s[2]).is_err());
        assert!(!verify_same_key(&vk, &refs(&m), &s));
        // Dalek's batch alone accepts it; the mixed-key check must not.
        let keys = vec![vk; m.len()];
        assert!(ed25519_dalek::verify_batch(&refs(&m), &s, &keys).is_ok());
        assert!(!verify_mixed_keys(&keys, &refs(&m), &s));
        let (good_m, good_s) = batch(&signer, 5);
        assert!(verify_mixed_keys(&keys, &refs(&good_m), &good_s));
    }

    #[test]
    fn a_non_canonical_s_is_refused() {
        let signer = key(11);
        let vk = signer.verifying_key();
        let (m, s) = batch(&signer, 3);
        // s + ℓ has the same value mod ℓ but is not canonical: dalek refuses it, so do we.
        let mut raw = s[1].to_bytes();
        let l: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
            0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        let mut carry = 0u16;
        for (b, add) in raw[32..].iter_mut().zip(l) {
            let sum = u16::from(*b) + u16::from(add) + carry;
            *b = (sum & 0xff) as u8;
            carry = sum >> 8;
        }
        let mut sigs = s.clone();
        sigs[1] = Signature::from_bytes(&raw);
        let keys = vec![vk; 3];
        assert!(ed25519_dalek::verify_batch(&refs(&m), &sigs, &keys).is_err());
        assert!(!verify_same_key(&vk, &refs(&m), &sigs));
    }
}
