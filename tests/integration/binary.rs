//! The `ecs-mock` binary itself: startup line, fixtures from a file or a folder, bad
//! fixtures stopping startup with a precise message, timing options, SIGTERM, and the
//! `healthcheck` subcommand the container image runs.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_ecs-mock");

/// A running binary and the address it logged.
pub(crate) struct Proc {
    pub(crate) child: Child,
    pub(crate) base: String,
    /// Every stderr line, the ones after the listening line included.
    pub(crate) log: Arc<Mutex<Vec<String>>>,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start the binary on port 0 with `args` and wait for its `listening on` line.
pub(crate) fn start(args: &[&str]) -> Proc {
    start_with_env(args, &[])
}

/// [`start`] with environment variables.
pub(crate) fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Proc {
    let mut child = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0", "--auth", "off"])
        .args(args)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ecs-mock");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let log = Arc::new(Mutex::new(Vec::new()));
    let addr = loop {
        let line = lines
            .next()
            .expect("a listening line before EOF")
            .expect("utf-8 line");
        assert!(
            !line.contains('\u{1b}'),
            "no ANSI colours when stderr is a pipe: {line:?}"
        );
        log.lock().expect("log").push(line.clone());
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest
                .split_whitespace()
                .next()
                .expect("an address")
                .to_string();
        }
    };
    // Keep draining stderr so the child never blocks on a full pipe.
    let sink = Arc::clone(&log);
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            sink.lock().expect("log").push(line);
        }
    });
    Proc {
        child,
        base: format!("http://{addr}"),
        log,
    }
}

pub(crate) fn temp_dir(name: &str) -> TempDir {
    let dir = std::env::temp_dir().join(format!("ecs-mock-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    TempDir(dir)
}

/// A fresh directory of one test, removed with what it holds when the test ends (it used
/// to stay behind in the system's temp dir after every run).
pub(crate) struct TempDir(PathBuf);

impl std::ops::Deref for TempDir {
    type Target = std::path::Path;

    fn deref(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub(crate) async fn get(url: &str) -> Value {
    reqwest::get(url)
        .await
        .expect("request")
        .json()
        .await
        .expect("json")
}

async fn status_of(base: &str, id: &str) -> String {
    let body = get(&format!(
        "{base}/?Action=DescribeInstances&Version=2014-05-26&Format=JSON&RegionId=cn-hangzhou&InstanceIds=[\"{id}\"]"
    ))
    .await;
    body["Instances"]["Instance"][0]["Status"]
        .as_str()
        .unwrap_or("gone")
        .to_string()
}

async fn start_instance(base: &str, id: &str) -> Value {
    get(&format!(
        "{base}/?Action=StartInstance&Version=2014-05-26&Format=JSON&InstanceId={id}"
    ))
    .await
}

#[test]
fn bad_fixture_stops_startup_naming_file_entry_and_problem() {
    let dir = temp_dir("bad");
    let mut doc: Value = serde_json::from_str(ecs_mock::store::fixtures::DEFAULT_FIXTURES).unwrap();
    doc["Instances"][1]["ZoneId"] = "cn-hangzhou-z".into();
    let file = dir.join("broken.json");
    std::fs::write(&file, doc.to_string()).unwrap();
    let out = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0", "--fixtures"])
        .arg(&file)
        .output()
        .expect("run ecs-mock");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let id = doc["Instances"][1]["InstanceId"].as_str().unwrap();
    assert!(
        stderr.contains(&format!(
            "{}: Instances[1] ({id}): ZoneId \"cn-hangzhou-z\" is not a zone of region cn-hangzhou",
            file.display()
        )),
        "{stderr}"
    );

    std::fs::write(&file, r#"{"Instances": [{"InstanceId": 7}]}"#).unwrap();
    let out = Command::new(BIN)
        .arg("--fixtures")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("broken.json: Instances[0].InstanceId: invalid type"),
        "{stderr}"
    );
}

#[tokio::test]
async fn fixture_folder_is_merged_in_name_order() {
    let dir = temp_dir("folder");
    let mut doc: Value = serde_json::from_str(ecs_mock::store::fixtures::DEFAULT_FIXTURES).unwrap();
    let instances = doc.as_object_mut().unwrap().remove("Instances").unwrap();
    std::fs::write(dir.join("10-world.json"), doc.to_string()).unwrap();
    std::fs::write(
        dir.join("20-instances.json"),
        serde_json::json!({ "Instances": instances }).to_string(),
    )
    .unwrap();
    std::fs::write(dir.join("notes.txt"), "not a fixture").unwrap();
    let proc = start(&["--fixtures", dir.to_str().unwrap()]);
    let health = get(&format!("{}/_mock/health", proc.base)).await;
    assert_eq!(
        health["Instances"].as_u64(),
        Some(instances.as_array().unwrap().len() as u64)
    );
    assert_eq!(
        status_of(&proc.base, "i-bp1running0000000001").await,
        "Running"
    );
}

#[tokio::test]
async fn instant_timing_shows_the_final_status_on_the_next_read() {
    let proc = start(&["--timing", "instant"]);
    assert!(start_instance(&proc.base, "i-bp1stopped0000000001").await["Code"].is_null());
    assert_eq!(
        status_of(&proc.base, "i-bp1stopped0000000001").await,
        "Running"
    );
}

#[tokio::test]
async fn a_duration_override_changes_one_transition() {
    // Realistic timing (20 s starts) with Starting shortened to 300 ms.
    let proc = start(&["--timing", "realistic", "--duration", "starting=300"]);
    assert!(start_instance(&proc.base, "i-bp1stopped0000000001").await["Code"].is_null());
    assert_eq!(
        status_of(&proc.base, "i-bp1stopped0000000001").await,
        "Starting"
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        status_of(&proc.base, "i-bp1stopped0000000001").await,
        "Running"
    );
    // Stopping keeps the realistic duration.
    get(&format!(
        "{}/?Action=StopInstance&Version=2014-05-26&Format=JSON&InstanceId=i-bp1stopped0000000001",
        proc.base
    ))
    .await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        status_of(&proc.base, "i-bp1stopped0000000001").await,
        "Stopping"
    );
}

#[cfg(unix)]
#[test]
fn sigterm_shuts_down_gracefully() {
    let mut proc = start(&[]);
    let pid = proc.child.id().to_string();
    let status = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = proc.child.wait().expect("wait");
    assert_eq!(exit.code(), Some(0), "graceful shutdown exits 0");
}

#[cfg(unix)]
#[test]
fn sigterm_with_half_sent_requests_exits_0_within_the_shutdown_timeout() {
    use std::io::Write;
    let mut proc = start(&["--shutdown-timeout", "1s", "--idle-timeout", "1m"]);
    let addr = proc.base.trim_start_matches("http://").to_string();
    // One head cut short, one body cut short: neither will ever be finished.
    let mut head = std::net::TcpStream::connect(&addr).expect("connect");
    head.write_all(b"GET /?Action=DescribeRegions HTTP/1.1\r\nhost: x\r\n")
        .expect("write");
    let mut body = std::net::TcpStream::connect(&addr).expect("connect");
    body.write_all(b"POST /?Action=DescribeRegions&Version=2014-05-26 HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: 100\r\n\r\nRegionId=")
        .expect("write");
    std::thread::sleep(Duration::from_millis(200));
    let pid = proc.child.id().to_string();
    let started = std::time::Instant::now();
    let status = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = loop {
        if let Some(exit) = proc.child.try_wait().expect("wait") {
            break exit;
        }
        assert!(
            started.elapsed() < Duration::from_secs(8),
            "still running 8 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(
        exit.code(),
        Some(0),
        "exits 0 after dropping the connections"
    );
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(900),
        "the half-sent body was waited for up to the shutdown timeout: {took:?}"
    );
}

#[test]
fn bad_limit_options_stop_startup() {
    for args in [
        ["--idle-timeout", "soon"],
        ["--idle-timeout", "0s"],
        ["--max-connections", "0"],
    ] {
        let out = Command::new(BIN).args(args).output().expect("run ecs-mock");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(args[0]), "{args:?}: {stderr}");
    }
}

#[test]
fn healthcheck_exits_0_against_a_running_server() {
    let proc = start(&[]);
    let addr = proc.base.trim_start_matches("http://").to_string();
    let out = Command::new(BIN)
        .args(["healthcheck", "--listen", &addr])
        .output()
        .expect("run ecs-mock healthcheck");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        stdout.trim_end(),
        format!("ecs-mock healthcheck: http://{addr}/_mock/health answered 200 OK")
    );

    // As in the container: the server's own setting, 0.0.0.0, through the environment;
    // the check asks loopback.
    let port = addr.rsplit(':').next().unwrap();
    let out = Command::new(BIN)
        .arg("healthcheck")
        .env("ECS_MOCK_LISTEN", format!("0.0.0.0:{port}"))
        .output()
        .expect("run ecs-mock healthcheck");
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("http://127.0.0.1:{port}/")));
}

#[test]
fn healthcheck_exits_1_against_a_closed_port() {
    // Bind, note the port, close: nothing listens there.
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .to_string();
    let started = std::time::Instant::now();
    let out = Command::new(BIN)
        .args(["healthcheck", "--listen", &addr])
        .output()
        .expect("run ecs-mock healthcheck");
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(&format!(
            "ecs-mock healthcheck: http://{addr}/_mock/health cannot connect: "
        )),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(started.elapsed() < Duration::from_secs(5));
}
