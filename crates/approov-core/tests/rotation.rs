//! Rotating keys while requests run: every check sees the old set or the new one,
//! never a mix, and clones of a verifier (as frameworks hold them) see the rotation.
#![allow(clippy::expect_used)] // a failed expectation is a failed test

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use approov_core::{Algorithm, ApproovVerifier, KeySet, TokenRejection};
use approov_testkit::{jwks_json, TestKey, TestSecret};

struct Keys {
    old_secret: TestSecret,
    new_secret: TestSecret,
    old_key: TestKey,
    new_key: TestKey,
}

impl Keys {
    fn new() -> Keys {
        Keys {
            old_secret: TestSecret::new(),
            new_secret: TestSecret::new(),
            old_key: TestKey::generate(Algorithm::ES256, "rotation-old"),
            new_key: TestKey::generate(Algorithm::EdDSA, "rotation-new"),
        }
    }

    /// Phase A: the old keys; B: old and new; C: the new keys.
    fn phase(&self, phase: usize) -> KeySet {
        let (old, new) = match phase {
            0 => (true, false),
            1 => (true, true),
            _ => (false, true),
        };
        let mut set = KeySet::new();
        let mut public = Vec::new();
        if old {
            set = set
                .with_hs256_secret(self.old_secret.bytes())
                .expect("old secret");
            public.push(&self.old_key);
        }
        if new {
            set = set
                .with_hs256_secret(self.new_secret.bytes())
                .expect("new secret");
            public.push(&self.new_key);
        }
        set.with_jwks_json(&jwks_json(public)).expect("public keys")
    }
}

/// Phases are numbered A, B, C, B, A, B, C, ...: the set of step `k`.
fn phase_of_step(step: usize) -> usize {
    match step % 4 {
        0 => 0,
        1 | 3 => 1,
        _ => 2,
    }
}

#[test]
fn a_rotation_under_load_never_fails_a_token_that_should_pass_nor_passes_one_that_should_fail() {
    let keys = Arc::new(Keys::new());
    let verifier = ApproovVerifier::from_keys(keys.phase(0));
    // What the rotating thread is doing: 2k while the set of step k is in effect,
    // 2k + 1 while it swaps step k's set for step k + 1's.
    let clock = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicBool::new(false));
    // (token, passes in phase A, B, C), and one that never passes.
    let intruder = TestKey::generate(Algorithm::ES256, "rotation-old");
    let tokens: Arc<Vec<(String, [bool; 3])>> = Arc::new(vec![
        (keys.old_secret.token(600, None), [true, true, false]),
        (keys.new_secret.token(600, None), [false, true, true]),
        (keys.old_key.token(600, None), [true, true, false]),
        (keys.new_key.token(600, None), [false, true, true]),
        (intruder.token(600, None), [false, false, false]),
        (TestSecret::new().token(600, None), [false, false, false]),
    ]);

    let workers: Vec<_> = (0..3)
        .map(|worker| {
            let verifier = verifier.clone();
            let (clock, done, tokens) = (clock.clone(), done.clone(), tokens.clone());
            std::thread::spawn(move || {
                let (mut asserted, mut skipped, mut wrong) = (0usize, 0usize, Vec::new());
                let mut i = worker;
                while !done.load(Ordering::SeqCst) {
                    let (token, passes) = &tokens[i % tokens.len()];
                    i += 1;
                    let before = clock.load(Ordering::SeqCst);
                    let verdict = verifier.verify(token);
                    let after = clock.load(Ordering::SeqCst);
                    // Every set that may have been in effect during the check.
                    let first_step = before / 2;
                    let last_step = after.div_ceil(2);
                    let expected: Vec<bool> = (first_step..=last_step)
                        .map(|step| passes[phase_of_step(step)])
                        .collect();
                    if expected.iter().any(|e| *e != expected[0]) {
                        skipped += 1;
                        continue;
                    }
                    asserted += 1;
                    let ok = matches!(
                        (&verdict, expected[0]),
                        (Ok(_), true)
                            | (
                                Err(TokenRejection::BadSignature | TokenRejection::UnknownKeyId),
                                false
                            )
                    );
                    if !ok {
                        wrong.push(format!(
                            "token {} at clock {before}..{after}: {verdict:?}, expected to pass: {}",
                            (i - 1) % tokens.len(),
                            expected[0]
                        ));
                    }
                }
                (asserted, skipped, wrong)
            })
        })
        .collect();

    let started = Instant::now();
    let mut step = 0;
    // Public-key checks take milliseconds in a debug build: phases are long enough
    // for most checks to fall within one.
    while step < 120 && started.elapsed() < Duration::from_secs(20) {
        clock.store(2 * step + 1, Ordering::SeqCst);
        verifier.rotate(keys.phase(phase_of_step(step + 1)));
        step += 1;
        clock.store(2 * step, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(15));
    }
    done.store(true, Ordering::SeqCst);

    let (mut asserted, mut skipped, mut wrong) = (0, 0, Vec::new());
    for worker in workers {
        let (a, s, w) = worker.join().expect("worker");
        asserted += a;
        skipped += s;
        wrong.extend(w);
    }
    eprintln!("{step} rotations, {asserted} checks asserted, {skipped} spanning a rotation");
    assert!(
        wrong.is_empty(),
        "{} wrong verdicts: {wrong:#?}",
        wrong.len()
    );
    assert!(step >= 40, "only {step} rotations");
    assert!(
        asserted > 2 * skipped && asserted >= 300,
        "too few checks with a well-defined verdict: {asserted} asserted, {skipped} skipped"
    );
}

#[test]
fn a_rotation_reaches_every_clone_and_leaves_only_the_new_keys() {
    let keys = Keys::new();
    let verifier = ApproovVerifier::from_keys(keys.phase(0));
    let serving = verifier.clone().with_leeway(Duration::from_secs(1));
    let old = keys.old_key.token(60, None);
    let new = keys.new_key.token(60, None);
    assert!(serving.verify(&old).is_ok());
    assert_eq!(serving.verify(&new), Err(TokenRejection::UnknownKeyId));
    verifier.rotate(keys.phase(1));
    assert!(serving.verify(&old).is_ok() && serving.verify(&new).is_ok());
    serving.rotate(keys.phase(2));
    assert_eq!(verifier.verify(&old), Err(TokenRejection::UnknownKeyId));
    assert!(verifier.verify(&new).is_ok());
    assert_eq!(
        verifier.verify(&keys.old_secret.token(60, None)),
        Err(TokenRejection::BadSignature)
    );
    assert_eq!(verifier.keys(), serving.keys());
    assert_eq!(verifier.keys().kids().collect::<Vec<_>>(), ["rotation-new"]);
}
