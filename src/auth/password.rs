//! Password hashing with Argon2id: the one module that touches password hashes.
//!
//! Hashing is deliberately slow and memory-hungry (19 MiB each), so it runs on threads of its
//! own, never on an async worker, only as many at once as leaves a core for everything else
//! (`concurrent_hashes`), and at a lower priority (`HASHING_NICENESS`): a burst of logins then
//! queues instead of stalling other requests. Each hashing thread owns its working memory,
//! allocated on first use and reused, so a login storm neither grows the heap nor leaves freed
//! 19 MiB blocks behind for the allocator to keep.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{mpsc, Arc, Mutex, OnceLock, PoisonError};

use anyhow::Context;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, Salt, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use tokio::sync::{oneshot, Semaphore};

use crate::config::Secret;
use crate::error::ApiError;

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 128;

/// OWASP's current recommendation for Argon2id: m = 19 MiB, t = 2, p = 1.
const MEMORY_KIB: u32 = 19 * 1024;
const ITERATIONS: u32 = 2;
const LANES: u32 = 1;

/// Never more hashes at once than this, however many cores: each holds 19 MiB for good.
const MAX_CONCURRENT_HASHES: usize = 4;

fn params() -> Params {
    // The parameters are constants within Argon2's documented bounds.
    Params::new(MEMORY_KIB, ITERATIONS, LANES, None).unwrap_or_default()
}

/// Hashes that may run at once on `cores` cores: all but one, so that a login storm never takes
/// the cores that serve every other request (issue 7: read p99 during a storm at most twice its
/// calm value); one on a single core.
fn concurrent_hashes(cores: usize) -> usize {
    cores.saturating_sub(1).clamp(1, MAX_CONCURRENT_HASHES)
}

/// How much lower than the service's other threads the hashing threads are scheduled (a
/// nice value): when the cores are busy, the kernel gives a hash about a tenth of the time a
/// request worker gets, so reads keep their pace during a login storm and logins slow down
/// instead (measured: read p99 1.35x instead of 1.9x its calm value, logins 27 instead of 43 a
/// second while 64 connections read). With a core to spare, a hash runs at full speed; and
/// since each thread runs one hash at a time, the permits bound how many wait in its queue.
const HASHING_NICENESS: i32 = 10;

type Job = Box<dyn FnOnce(&mut [Block]) + Send>;

/// The hash permits and the threads that run the hashes, one per permit, each with the working
/// memory it allocates on its first hash and keeps.
struct Hashing {
    permits: Semaphore,
    jobs: Option<mpsc::Sender<Job>>,
}

fn hashing() -> &'static Hashing {
    static HASHING: OnceLock<Hashing> = OnceLock::new();
    HASHING.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let threads = concurrent_hashes(cores);
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        let started = (0..threads)
            .filter(|i| {
                let queue = Arc::clone(&queue);
                std::thread::Builder::new()
                    .name(format!("password-hash-{i}"))
                    .spawn(move || run_hashes(&queue))
                    .map_err(|e| tracing::error!(error = %e, "cannot start a hashing thread"))
                    .is_ok()
            })
            .count();
        Hashing {
            permits: Semaphore::new(started),
            jobs: (started > 0).then_some(jobs),
        }
    })
}

/// A hashing thread: lowers its own priority, then runs hashes until the service ends. A hash
/// that panics fails alone (its caller gets an error): the thread goes on with fresh memory.
fn run_hashes(queue: &Mutex<mpsc::Receiver<Job>>) {
    lower_priority();
    let mut memory: Option<Vec<Block>> = None;
    loop {
        let job = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(job) = job else { return };
        let blocks = memory.get_or_insert_with(|| new_memory(params().block_count()));
        if catch_unwind(AssertUnwindSafe(|| job(blocks))).is_err() {
            tracing::error!("a password hash panicked");
            memory = None;
        }
    }
}

/// Gives the calling thread the nice value [`HASHING_NICENESS`] (unless it is already lower
/// in priority). On Linux a nice value is the calling thread's own; elsewhere it would be the
/// whole process's, so there hashes run at the service's priority.
#[cfg(target_os = "linux")]
fn lower_priority() {
    let current = rustix::process::getpriority_process(None).unwrap_or(0);
    if current < HASHING_NICENESS {
        if let Err(e) = rustix::process::setpriority_process(None, HASHING_NICENESS) {
            tracing::warn!(error = %e, "cannot lower the hashing threads' priority");
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

fn new_memory(blocks: usize) -> Vec<Block> {
    vec![Block::default(); blocks]
}

/// Runs `work` on a hashing thread once a permit is free, with that thread's working memory.
/// The permit goes with the work: a caller that gives up (the client went away) does not free
/// it before the hash is done, so no more hashes ever run than there are permits.
async fn with_permit<T, F>(work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut [Block]) -> T + Send + 'static,
{
    let hashing = hashing();
    let jobs = hashing
        .jobs
        .as_ref()
        .context("no hashing thread could be started")?;
    let permit = hashing.permits.acquire().await.context("hash permits")?;
    let (answer, answered) = oneshot::channel();
    let job: Job = Box::new(move |memory| {
        let _permit = permit;
        let _ = answer.send(work(memory));
    });
    jobs.send(job).ok().context("the hashing threads stopped")?;
    Ok(answered.await.context("hash task")?)
}

/// Why a password is refused, or `None` when its length is acceptable.
pub fn length_problem(password: &str) -> Option<String> {
    let len = password.chars().count();
    (!(MIN_LENGTH..=MAX_LENGTH).contains(&len))
        .then(|| format!("must be {MIN_LENGTH} to {MAX_LENGTH} characters"))
}

/// Hashes synchronously; for the command line, which has no async runtime to protect.
pub fn hash_blocking(password: &Secret) -> anyhow::Result<String> {
    hash_with(password, &mut new_memory(params().block_count()))
}

/// Hashes `password` with a fresh random salt, on the blocking pool.
pub async fn hash(password: Secret) -> Result<String, ApiError> {
    with_permit(move |memory| hash_with(&password, memory))
        .await?
        .map_err(ApiError::Internal)
}

/// Verifies `password` against `stored`. With no stored hash (unknown email, erased member) a
/// dummy hash is verified instead, so every failure takes as long as a wrong password.
pub async fn verify(password: Secret, stored: Option<String>) -> Result<bool, ApiError> {
    with_permit(move |memory| {
        let stored = stored.as_deref();
        let target = stored.unwrap_or_else(|| dummy_hash());
        let matches = verify_with(&password, target, memory);
        matches && stored.is_some()
    })
    .await
}

/// 403 unless `password` is `member`'s current password: the confirmation that a password
/// change and an erasure ask for.
pub async fn confirm(
    pool: &crate::db::DbPool,
    member: crate::members::types::MemberId,
    password: Secret,
) -> Result<(), ApiError> {
    let stored = crate::db::run(pool, move |conn| {
        Ok(crate::members::queries::get(conn, member)?.password_hash)
    })
    .await?;
    if verify(password, stored).await? {
        Ok(())
    } else {
        Err(ApiError::Forbidden("The password is not right.".into()))
    }
}

/// Argon2's output for `password` and `salt` with `argon2`'s parameters, computed in `memory`
/// (a fresh buffer where the parameters need more than it holds: a hash made with larger ones).
fn compute(
    argon2: &Argon2<'_>,
    password: &Secret,
    salt: Salt<'_>,
    output_len: usize,
    memory: &mut [Block],
) -> argon2::password_hash::Result<Output> {
    let mut salt_bytes = [0u8; Salt::MAX_LENGTH];
    let salt = salt.decode_b64(&mut salt_bytes)?;
    let needed = argon2.params().block_count();
    Output::init_with(output_len, |out| {
        let password = password.expose().as_bytes();
        let result = if memory.len() >= needed {
            argon2.hash_password_into_with_memory(password, salt, out, &mut *memory)
        } else {
            argon2.hash_password_into_with_memory(password, salt, out, new_memory(needed))
        };
        result.map_err(|_| argon2::password_hash::Error::Crypto)
    })
}

/// Our parameters' PHC string for `password` with a fresh random salt.
fn hash_with(password: &Secret, memory: &mut [Block]) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    let params = params();
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let phc = |e| anyhow::anyhow!("hash a password: {e}");
    let output = compute(
        &argon2,
        password,
        salt.as_salt(),
        Params::DEFAULT_OUTPUT_LEN,
        memory,
    )
    .map_err(phc)?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(phc)?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(hash.to_string())
}

/// Whether `password` gives `stored` (a PHC string, with whatever parameters it was made with);
/// the outputs are compared in constant time.
fn verify_with(password: &Secret, stored: &str, memory: &mut [Block]) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let argon2 = (|| {
        let algorithm = Algorithm::try_from(parsed.algorithm)?;
        let version = parsed.version.map(Version::try_from).transpose()?;
        let params = Params::try_from(&parsed)?;
        Ok::<_, argon2::password_hash::Error>(Argon2::new(
            algorithm,
            version.unwrap_or_default(),
            params,
        ))
    })();
    argon2
        .and_then(|argon2| compute(&argon2, password, salt, expected.len(), memory))
        .is_ok_and(|computed| computed == expected)
}

/// A real hash, with our parameters, of a password nobody knows.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let unguessable = Secret::new(uuid::Uuid::new_v4().to_string());
        hash_blocking(&unguessable).unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verify_blocking(password: &Secret, stored: &str) -> bool {
        verify_with(password, stored, &mut new_memory(params().block_count()))
    }

    #[test]
    fn hash_then_verify() {
        let password = Secret::new("correct horse battery staple");
        let hash = hash_blocking(&password).expect("hash");
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify_blocking(&password, &hash));
        assert!(!verify_blocking(
            &Secret::new("wrong horse battery staple"),
            &hash
        ));
        assert!(!verify_blocking(&password, "not a PHC string"));
    }

    #[test]
    fn reused_memory_gives_the_same_answers() {
        let mut memory = new_memory(params().block_count());
        let first = Secret::new("correct horse battery staple");
        let second = Secret::new("another horse, another staple");
        let a = hash_with(&first, &mut memory).expect("hash");
        let b = hash_with(&second, &mut memory).expect("hash");
        assert!(verify_with(&first, &a, &mut memory));
        assert!(verify_with(&second, &b, &mut memory));
        assert!(!verify_with(&first, &b, &mut memory));
    }

    /// Hashes made by the argon2 crate's own hasher (every hash stored before the memory was
    /// reused) verify here, with our parameters, smaller ones and larger ones (a fresh buffer),
    /// and ours verify with the crate's verifier.
    #[test]
    fn hashes_agree_with_the_argon2_crate() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};

        let password = Secret::new("correct horse battery staple");
        let mut memory = new_memory(params().block_count());
        for (m, t) in [(MEMORY_KIB, ITERATIONS), (4096, 3), (MEMORY_KIB + 1024, 1)] {
            let params = Params::new(m, t, LANES, None).expect("params");
            let theirs = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
                .hash_password(
                    password.expose().as_bytes(),
                    &SaltString::generate(&mut OsRng),
                )
                .expect("hash")
                .to_string();
            assert!(verify_with(&password, &theirs, &mut memory), "{theirs}");
            let wrong = Secret::new("wrong horse battery staple");
            assert!(!verify_with(&wrong, &theirs, &mut memory), "{theirs}");
        }

        let ours = hash_with(&password, &mut memory).expect("hash");
        let parsed = PasswordHash::new(&ours).expect("PHC string");
        assert!(Argon2::default()
            .verify_password(password.expose().as_bytes(), &parsed)
            .is_ok());
    }

    /// Callers that give up while their hash waits or runs (clients that went away) free no
    /// permit early: no more hashes run at once than there are permits.
    #[actix_web::test]
    async fn a_caller_that_gives_up_keeps_its_permit_until_the_hash_is_done() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;

        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let start = |running: &Arc<AtomicUsize>, most: &Arc<AtomicUsize>| {
            let (running, most) = (Arc::clone(running), Arc::clone(most));
            actix_web::rt::spawn(with_permit(move |_| {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(100));
                running.fetch_sub(1, Ordering::SeqCst);
            }))
        };
        let abandoned: Vec<_> = (0..4).map(|_| start(&running, &most)).collect();
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
        for task in &abandoned {
            task.abort();
        }
        let awaited: Vec<_> = (0..4).map(|_| start(&running, &most)).collect();
        for task in awaited {
            task.await.expect("task").expect("hash");
        }
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert!(
            most.load(Ordering::SeqCst) <= concurrent_hashes(cores),
            "{} at once",
            most.load(Ordering::SeqCst)
        );
    }

    /// A hash that panics fails alone; the hashing threads carry on.
    #[actix_web::test]
    async fn a_panicking_hash_fails_alone() {
        let failed = with_permit(|_| -> () { panic!("a broken hash") }).await;
        assert!(failed.is_err());
        let fine = with_permit(|memory| memory.len()).await.expect("next hash");
        assert_eq!(fine, params().block_count());
    }

    /// Hashes yield to requests when the cores are busy (see `HASHING_NICENESS`).
    #[cfg(target_os = "linux")]
    #[actix_web::test]
    async fn hashes_run_at_a_lower_priority() {
        let before = rustix::process::getpriority_process(None).expect("priority");
        let nice = with_permit(|_| rustix::process::getpriority_process(None))
            .await
            .expect("hash")
            .expect("priority");
        assert!(nice >= HASHING_NICENESS, "nice {nice}");
        let after = rustix::process::getpriority_process(None).expect("priority");
        assert_eq!(before, after, "the caller's thread changed priority too");
    }

    #[test]
    fn hashes_leave_a_core_free() {
        assert_eq!(concurrent_hashes(1), 1);
        assert_eq!(concurrent_hashes(2), 1);
        assert_eq!(concurrent_hashes(4), 3);
        assert_eq!(concurrent_hashes(64), MAX_CONCURRENT_HASHES);
    }

    #[test]
    fn salts_differ() {
        let password = Secret::new("correct horse battery staple");
        let a = hash_blocking(&password).expect("hash");
        let b = hash_blocking(&password).expect("hash");
        assert_ne!(a, b);
    }

    #[test]
    fn length_rules() {
        assert!(length_problem("short").is_some());
        assert!(length_problem(&"x".repeat(12)).is_none());
        assert!(length_problem(&"é".repeat(128)).is_none());
        assert!(length_problem(&"x".repeat(129)).is_some());
    }
}
