//! The S3 journal against a real S3 implementation (moto's server, started by `.ci/run`, which
//! exports `LINKPLAN_TEST_S3_*`; see `.ci/moto-setup.py`): the lock's exclusion and what it
//! says about its holder, a killed holder's lock and `force_unlock`, appends that race (every
//! record kept), a write cut off mid-body (the previous version intact), `push` that would lose
//! records, and what a wrong key and a missing bucket get. Without `LINKPLAN_TEST_S3_ENDPOINT`
//! each test says it is skipped (and fails under CI, where it must run).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use linkplan_engine::journal::{Entry, JOURNAL_VERSION, JournalEvent};
use linkplan_engine::{Journal, JournalError, LockInfo, StepId};
use linkplan_state::{S3Journal, S3Location, S3Options, lock_info};

/// The test server and the key `.ci/moto-setup.py` made on it.
struct Server {
    endpoint: String,
    bucket: String,
    key_id: String,
    secret: String,
}

/// The server, or `None` (after saying so) when the variables are unset outside CI.
fn server(test: &str) -> Option<Server> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let Some(endpoint) = var("LINKPLAN_TEST_S3_ENDPOINT") else {
        if var("CI").is_some() {
            panic!("LINKPLAN_TEST_S3_ENDPOINT is unset under CI: .ci/run starts moto and exports it");
        }
        // Straight to the process's standard error: libtest captures `eprintln!` of a passing test.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED {test}: LINKPLAN_TEST_S3_ENDPOINT is unset (.ci/run starts moto's S3 server and sets it)"
        );
        return None;
    };
    let need = |name: &str| var(name).unwrap_or_else(|| panic!("{name} is unset (LINKPLAN_TEST_S3_ENDPOINT is set)"));
    Some(Server {
        endpoint,
        bucket: need("LINKPLAN_TEST_S3_BUCKET"),
        key_id: need("LINKPLAN_TEST_S3_ACCESS_KEY_ID"),
        secret: need("LINKPLAN_TEST_S3_SECRET_ACCESS_KEY"),
    })
}

impl Server {
    fn env(&self, secret: &str) -> impl Fn(&str) -> Option<String> + use<> {
        let pairs = [
            ("AWS_ACCESS_KEY_ID", self.key_id.clone()),
            ("AWS_SECRET_ACCESS_KEY", secret.to_owned()),
            ("AWS_REGION", "us-east-1".to_owned()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
            ("HOME", "/nonexistent".to_owned()),
            ("USER", "tester".to_owned()),
        ];
        move |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone())
    }

    /// A journal object of its own for `test`, through `endpoint` (the server's, or a proxy's).
    fn journal_at(&self, key: &str, endpoint: &str, secret: &str, options: S3Options) -> S3Journal {
        let options = S3Options { endpoint: Some(endpoint.to_owned()), ..options };
        let location = S3Location { bucket: self.bucket.clone(), key: key.to_owned() };
        S3Journal::new(location, &options, &self.env(secret)).unwrap_or_else(|e| panic!("{e}"))
    }

    fn journal(&self, key: &str) -> S3Journal {
        self.journal_at(key, &self.endpoint, &self.secret, S3Options::default())
    }
}

fn unique(test: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("tests/{test}-{}-{nanos}/plan.yaml.journal.jsonl", std::process::id())
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a test runtime")
}

fn info(operation: &str, journal: &S3Journal) -> LockInfo {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
    lock_info(operation, &journal.location().url(), now, &|name| (name == "USER").then(|| "tester".to_owned()))
}

fn entry(step: &str, n: u64) -> Entry {
    Entry {
        version: JOURNAL_VERSION,
        step_id: StepId::parse(step).expect("a step id"),
        event: JournalEvent::Started,
        at: n,
        action: None,
        outputs: Default::default(),
        message: None,
    }
}

fn line(step: &str, n: u64) -> Vec<u8> {
    let mut line = serde_json::to_vec(&entry(step, n)).expect("an entry serializes");
    line.push(b'\n');
    line
}

const STEP: &str = "confluent.cluster/n-abc123/orders";

#[test]
fn the_lock_is_exclusive_and_says_who_holds_it() {
    let Some(server) = server("the_lock_is_exclusive_and_says_who_holds_it") else { return };
    let rt = runtime();
    let key = unique("lock");
    let (a, b) = (server.journal(&key), server.journal(&key));
    let first = info("apply", &a);
    let held = rt.block_on(a.lock(first.clone())).unwrap_or_else(|e| panic!("{e}"));
    held.record(&entry(STEP, 1)).unwrap_or_else(|e| panic!("{e}"));
    match rt.block_on(b.lock(info("destroy", &b))) {
        Err(e @ JournalError::Locked { .. }) => {
            let JournalError::Locked { holder: Some(holder), .. } = &e else { panic!("no holder in {e}") };
            assert_eq!(holder.info.id, first.id);
            assert_eq!((holder.info.operation.as_str(), holder.info.who.starts_with("tester@")), ("apply", true));
            let text = e.to_string();
            assert!(text.contains(&first.id) && text.contains("`apply` by tester@"), "{text}");
            assert!(e.help().is_some_and(|h| h.contains(&format!("force-unlock {}", first.id))), "{:?}", e.help());
        }
        other => panic!("a second lock while held: {other:?}"),
    }
    // The refused run wrote nothing; the holder's record is there.
    assert_eq!(rt.block_on(b.load()).map(|l| l.entries.len()).ok(), Some(1));
    held.close().unwrap_or_else(|e| panic!("{e}"));
    assert!(rt.block_on(b.holder(0)).unwrap_or_else(|e| panic!("{e}")).is_none(), "released");
    let second = rt.block_on(b.lock(info("destroy", &b))).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(second.entries().len(), 1, "the next holder reads what the first recorded");
}

#[test]
fn a_killed_holders_lock_stays_until_force_unlock_is_given_its_id() {
    let Some(server) = server("a_killed_holders_lock_stays_until_force_unlock_is_given_its_id") else { return };
    let rt = runtime();
    let key = unique("killed");
    let journal = server.journal(&key);
    let taken = info("apply", &journal);
    let held = rt.block_on(journal.lock(taken.clone())).unwrap_or_else(|e| panic!("{e}"));
    // A kill: no destructor runs, the lock object stays.
    std::mem::forget(held);
    let later = taken.created_ms + 90_000;
    let holder = rt.block_on(journal.holder(later)).unwrap_or_else(|e| panic!("{e}")).expect("the lock stayed");
    assert_eq!((holder.info.id.as_str(), holder.age), (taken.id.as_str(), Duration::from_secs(90)));
    assert!(holder.to_string().contains("taken 1m ago"), "{holder}");
    let wrong = rt.block_on(journal.force_unlock("not-the-id", later));
    assert!(matches!(&wrong, Err(e) if e.to_string().contains(&taken.id)), "{wrong:?}");
    assert!(rt.block_on(journal.holder(later)).ok().flatten().is_some(), "a wrong id removes nothing");
    rt.block_on(journal.force_unlock(&taken.id, later)).unwrap_or_else(|e| panic!("{e}"));
    let next = rt.block_on(journal.lock(info("apply", &journal))).unwrap_or_else(|e| panic!("{e}"));
    next.record(&entry(STEP, 2)).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn racing_appends_keep_every_record() {
    let Some(server) = server("racing_appends_keep_every_record") else { return };
    let rt = runtime();
    let key = unique("race");
    const EACH: u64 = 12;
    // The lock holder records while two writers that share no lock append to the same object.
    let held =
        rt.block_on(server.journal(&key).lock(info("apply", &server.journal(&key)))).unwrap_or_else(|e| panic!("{e}"));
    std::thread::scope(|scope| {
        for writer in 0..2u64 {
            let journal = server.journal(&key);
            scope.spawn(move || {
                for n in 0..EACH {
                    let step = format!("confluent.cluster/n-abc123/writer{writer}");
                    journal.append_unlocked(&line(&step, n)).unwrap_or_else(|e| panic!("writer {writer}, {n}: {e}"));
                }
            });
        }
        for n in 0..EACH {
            held.record(&entry("confluent.cluster/n-abc123/holder", n)).unwrap_or_else(|e| panic!("holder, {n}: {e}"));
        }
    });
    let loaded = rt.block_on(server.journal(&key).load()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(loaded.recovered, None);
    let mut seen: Vec<(String, u64)> = loaded.entries.iter().map(|e| (e.step_id.as_str().to_owned(), e.at)).collect();
    assert_eq!(seen.len() as u64, 3 * EACH, "every record kept, none twice");
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len() as u64, 3 * EACH);
    for who in ["holder", "writer0", "writer1"] {
        let mine: Vec<u64> =
            loaded.entries.iter().filter(|e| e.step_id.as_str().ends_with(who)).map(|e| e.at).collect();
        assert_eq!(mine, (0..EACH).collect::<Vec<_>>(), "{who}'s records in its order");
    }
}

/// A TCP proxy to the server that, once `cut` is set, closes every connection carrying a PUT
/// after its headers and a few bytes of its body (a network failure mid-write).
struct CuttingProxy {
    port: u16,
    cut: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<TcpStream>>>,
}

impl CuttingProxy {
    fn start(upstream: &str) -> CuttingProxy {
        let upstream = upstream.trim_start_matches("http://").trim_end_matches('/').to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let port = listener.local_addr().expect("its address").port();
        let cut = Arc::new(AtomicBool::new(false));
        let open: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (cutting, tracked) = (Arc::clone(&cut), Arc::clone(&open));
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let Ok(server) = TcpStream::connect(&upstream) else { continue };
                if let (Ok(c), Ok(s)) = (client.try_clone(), server.try_clone()) {
                    tracked.lock().expect("the list").extend([c, s]);
                }
                let cut = cutting.load(Ordering::SeqCst);
                std::thread::spawn(move || relay(client, server, cut));
            }
        });
        CuttingProxy { port, cut, open }
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Cut from now on (or stop cutting); connections already open are closed either way.
    fn set_cut(&self, cut: bool) {
        self.cut.store(cut, Ordering::SeqCst);
        for stream in self.open.lock().expect("the list").drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

fn relay(mut client: TcpStream, mut server: TcpStream, cut: bool) {
    let (Ok(mut server_read), Ok(mut client_write)) = (server.try_clone(), client.try_clone()) else { return };
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut server_read, &mut client_write);
        let _ = client_write.shutdown(Shutdown::Both);
    });
    if !cut {
        let _ = std::io::copy(&mut client, &mut server);
        let _ = server.shutdown(Shutdown::Both);
        return;
    }
    // Read up to the end of the headers, and forward them with 8 bytes of the body.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match client.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let mut body = [0u8; 8];
    let is_put = head.starts_with(b"PUT ");
    let _ = server.write_all(&head);
    if is_put {
        let _ = client.read(&mut body).map(|n| server.write_all(&body[..n]));
        let _ = server.shutdown(Shutdown::Both);
        let _ = client.shutdown(Shutdown::Both);
        return;
    }
    let _ = std::io::copy(&mut client, &mut server);
}

#[test]
fn a_write_cut_off_mid_body_leaves_the_previous_version_whole() {
    let Some(server) = server("a_write_cut_off_mid_body_leaves_the_previous_version_whole") else { return };
    let rt = runtime();
    let key = unique("cut");
    let proxy = CuttingProxy::start(&server.endpoint);
    let quick = S3Options { retries: 1, retry_timeout: Duration::from_secs(5), ..S3Options::default() };
    let through = server.journal_at(&key, &proxy.endpoint(), &server.secret, quick);
    let held = rt.block_on(through.lock(info("apply", &through))).unwrap_or_else(|e| panic!("{e}"));
    held.record(&entry(STEP, 1)).unwrap_or_else(|e| panic!("{e}"));
    held.record(&entry(STEP, 2)).unwrap_or_else(|e| panic!("{e}"));
    let before = rt.block_on(server.journal(&key).pull()).unwrap_or_else(|e| panic!("{e}"));

    proxy.set_cut(true);
    let failed = held.record(&entry(STEP, 3));
    assert!(matches!(failed, Err(JournalError::Store { .. })), "{failed:?}");
    let after = rt.block_on(server.journal(&key).pull()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(String::from_utf8_lossy(&after), String::from_utf8_lossy(&before), "the previous version, whole");
    assert_eq!(
        Journal::parse(std::path::Path::new(&key), &after).map(|l| (l.entries.len(), l.recovered)).ok(),
        Some((2, None))
    );

    // Once the network is back, the next record appends to that version.
    proxy.set_cut(false);
    held.record(&entry(STEP, 4)).unwrap_or_else(|e| panic!("{e}"));
    let ats: Vec<u64> = rt
        .block_on(server.journal(&key).load())
        .map(|l| l.entries.iter().map(|e| e.at).collect())
        .expect("the journal reads");
    assert_eq!(ats, [1, 2, 4]);
    held.close().unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn push_refuses_to_lose_records_unless_forced() {
    let Some(server) = server("push_refuses_to_lose_records_unless_forced") else { return };
    let rt = runtime();
    let key = unique("push");
    let journal = server.journal(&key);
    let one = line(STEP, 1);
    let two = [line(STEP, 1), line(STEP, 2)].concat();
    assert_eq!(rt.block_on(journal.push(info("state push", &journal), &two, false)).ok(), Some(0));
    // A journal that does not begin with what is there would drop entry 2.
    let refused = rt.block_on(journal.push(info("state push", &journal), &one, false));
    assert!(matches!(&refused, Err(e) if e.to_string().contains("does not begin with")), "{refused:?}");
    assert_eq!(rt.block_on(journal.pull()).ok(), Some(two.clone()));
    let garbage = rt.block_on(journal.push(info("state push", &journal), b"not a journal\n", true));
    assert!(matches!(garbage, Err(JournalError::Corrupt { .. })), "a damaged journal is never pushed");
    assert_eq!(rt.block_on(journal.push(info("state push", &journal), &one, true)).ok(), Some(2));
    assert_eq!(rt.block_on(journal.pull()).ok(), Some(one));
    assert!(rt.block_on(journal.holder(0)).ok().flatten().is_none(), "push lets go of its lock");
}

#[test]
fn a_wrong_key_and_a_missing_bucket_say_so_and_never_show_a_secret() {
    let Some(server) = server("a_wrong_key_and_a_missing_bucket_say_so_and_never_show_a_secret") else { return };
    let rt = runtime();
    let key = unique("denied");
    let wrong_secret = "wrong-secret-0123456789";
    let denied = server.journal_at(&key, &server.endpoint, wrong_secret, S3Options::default());
    assert!(!format!("{denied:?}").contains(wrong_secret), "{denied:?}");
    for result in [rt.block_on(denied.lock(info("apply", &denied))).map(drop), rt.block_on(denied.load()).map(drop)] {
        let e = result.expect_err("a wrong secret is refused");
        let text = format!("{e} {:?} {e:?}", e.help());
        assert!(text.contains("access denied") && text.contains("SignatureDoesNotMatch"), "{text}");
        assert!(text.contains(&server.bucket) && text.contains(&server.endpoint), "names bucket and endpoint: {text}");
        assert!(text.contains("AWS_ACCESS_KEY_ID"), "names where the credentials came from: {text}");
        assert!(!text.contains(wrong_secret) && !text.contains(&server.secret), "{text}");
    }
    let location = S3Location { bucket: server.bucket.clone(), key: key.clone() };
    let options = S3Options { endpoint: Some(server.endpoint.clone()), ..S3Options::default() };
    let env = server.env(&server.secret);
    let unknown_key = move |name: &str| {
        if name == "AWS_ACCESS_KEY_ID" { Some("AKIAUNKNOWN0000000000".to_owned()) } else { env(name) }
    };
    let stranger = S3Journal::new(location, &options, &unknown_key).unwrap_or_else(|e| panic!("{e}"));
    let e = rt.block_on(stranger.load()).expect_err("an unknown key is refused");
    assert!(e.to_string().contains("InvalidAccessKeyId"), "{e}");

    let missing = S3Location { bucket: "linkplan-no-such-bucket".to_owned(), key };
    let nowhere = S3Journal::new(missing, &options, &server.env(&server.secret)).unwrap_or_else(|e| panic!("{e}"));
    for result in [rt.block_on(nowhere.lock(info("apply", &nowhere))).map(drop), rt.block_on(nowhere.load()).map(drop)]
    {
        let e = result.expect_err("no bucket");
        let text = e.to_string();
        assert!(
            text.contains("the bucket `linkplan-no-such-bucket` does not exist at") && text.contains(&server.endpoint),
            "{text}"
        );
        assert!(e.help().is_some_and(|h| h.contains("aws s3 mb s3://linkplan-no-such-bucket")), "{:?}", e.help());
    }
}
