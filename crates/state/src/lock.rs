//! What a lock says about the run that took it ([`LockInfo`]: id, operation, who, where, when),
//! made from the process's environment: a CI run's URL when there is one (GitHub Actions,
//! GitLab CI, Buildkite, or `LINKPLAN_LOCK_WHERE`), else the host and working directory.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

use linkplan_engine::LockInfo;

/// A new lock's info for `operation` on `journal`, at `now_ms`.
pub fn lock_info(operation: &str, journal: &str, now_ms: u64, env: &dyn Fn(&str) -> Option<String>) -> LockInfo {
    let var = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let host = hostname(env);
    let user = var("USER").or_else(|| var("USERNAME")).unwrap_or_else(|| "unknown".to_owned());
    let github = match (var("GITHUB_SERVER_URL"), var("GITHUB_REPOSITORY"), var("GITHUB_RUN_ID")) {
        (Some(server), Some(repo), Some(run)) => {
            let attempt = var("GITHUB_RUN_ATTEMPT").map(|a| format!("/attempts/{a}")).unwrap_or_default();
            Some(format!("{server}/{repo}/actions/runs/{run}{attempt}"))
        }
        _ => None,
    };
    let place = var("LINKPLAN_LOCK_WHERE")
        .or(github)
        .or_else(|| var("CI_JOB_URL"))
        .or_else(|| var("BUILDKITE_BUILD_URL"))
        .unwrap_or_else(|| {
            let cwd = std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_default();
            format!("{host}:{cwd}")
        });
    LockInfo {
        id: new_id(),
        operation: operation.to_owned(),
        who: format!("{user}@{host}"),
        place,
        created_ms: now_ms,
        version: env!("CARGO_PKG_VERSION").to_owned(),
        pid: std::process::id(),
        journal: journal.to_owned(),
    }
}

fn hostname(env: &dyn Fn(&str) -> Option<String>) -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| env("HOSTNAME"))
        .or_else(|| env("COMPUTERNAME"))
        .unwrap_or_else(|| "unknown-host".to_owned())
}

/// A random version-4 UUID (from the standard library's randomly keyed hasher: a lock id must
/// only be unlikely to repeat, not secret).
pub fn new_id() -> String {
    let mut bytes = [0u8; 16];
    for (i, half) in bytes.chunks_mut(8).enumerate() {
        let mut hasher = RandomState::new().build_hasher();
        hasher
            .write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
        hasher.write_usize(i);
        hasher.write_u32(std::process::id());
        half.copy_from_slice(&hasher.finish().to_le_bytes());
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_uuids_and_differ() {
        let (a, b) = (new_id(), new_id());
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(a.as_bytes()[14], b'4');
    }

    #[test]
    fn a_github_run_is_where_the_lock_was_taken() {
        let env = |name: &str| {
            match name {
                "GITHUB_SERVER_URL" => Some("https://github.com"),
                "GITHUB_REPOSITORY" => Some("acme/infra"),
                "GITHUB_RUN_ID" => Some("42"),
                "USER" => Some("runner"),
                _ => None,
            }
            .map(str::to_owned)
        };
        let info = lock_info("apply", "s3://b/k", 7, &env);
        assert_eq!(info.place, "https://github.com/acme/infra/actions/runs/42");
        assert!(info.who.starts_with("runner@"));
        assert_eq!((info.operation.as_str(), info.created_ms), ("apply", 7));
    }
}
