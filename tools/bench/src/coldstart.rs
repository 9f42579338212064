//! Cold starts (issue 13): each function's release binary, a hello-world `lambda_http` binary
//! built by the same profile (`hello-lambda`), and that hello-world reading one item of the
//! table with the SDK set up as the functions set it up (`hello-dynamodb`), started as Lambda
//! starts them: a fresh
//! process whose `AWS_LAMBDA_RUNTIME_API` is a stand-in of the runtime API served here. Timed
//! from the process's spawn to its first poll of `/runtime/invocation/next` (the init), and to
//! the first response of a representative request (a sample event of `events/`, against the
//! local stack). The binaries are started in turn, run after run, so that the machine's moods
//! fall on all of them alike; medians.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use prenota_platform::routes::Function;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use crate::Bench;

/// The hello-world binary: `src/bin/hello-lambda.rs`.
const HELLO: &str = "hello-lambda";

/// The hello-world that reads one item of the table (`src/bin/hello-dynamodb.rs`): what every
/// function carries and does before its own code.
const HELLO_DYNAMODB: &str = "hello-dynamodb";

/// How long a start may take before the run is called failed.
const PATIENCE: Duration = Duration::from_secs(20);

/// What each function is asked first: a representative request (its most frequent one), as the
/// sample events of `events/` give it. Requests needing a session carry the samples' placeholder
/// token: they are answered 401 after the session lookup, as a stranger's would be.
fn sample_event(function: Function) -> &'static str {
    match function {
        Function::Register => "register",
        Function::Activate => "activate",
        Function::Account => "login",
        Function::ResetPassword => "request-password-reset",
        Function::Catalogue => "availability",
        Function::Book => "create-booking",
        Function::Cancel => "cancel-booking",
        Function::Bookings => "list-bookings",
        Function::VerifyReceipt => "verify-receipt",
        Function::Office => "office-agenda",
        Function::Draws => "enter-draw",
        Function::EndOfDay => "scheduled-end-of-day",
        Function::Export
        | Function::Retention
        | Function::Reminders
        | Function::Notifier
        | Function::MailFeedback
        | Function::Closures
        | Function::DrawRuns => "scheduled-export",
    }
}

/// One start: spawn to first poll, and spawn to first response (and that response's status).
struct Start {
    init: Duration,
    first_response: Duration,
    status: Option<u16>,
}

struct Measured {
    name: String,
    size: u64,
    starts: Vec<Start>,
}

pub async fn run(runs: usize) -> anyhow::Result<()> {
    let runs = runs.max(1);
    let bench = Bench::new().await?;
    let binaries = binaries_dir()?;
    let root = repository_root();
    let env = bench.environment();
    let mut measured: Vec<Measured> = [HELLO, HELLO_DYNAMODB]
        .into_iter()
        .map(str::to_owned)
        .chain(Function::ALL.iter().map(|f| f.binary().to_owned()))
        .map(|name| {
            let size = std::fs::metadata(binaries.join(&name))
                .with_context(|| format!("{name}: build it with `scripts/bench coldstart`"))?
                .len();
            Ok(Measured {
                name,
                size,
                starts: Vec::new(),
            })
        })
        .collect::<anyhow::Result<_>>()?;
    for run in 0..runs {
        for binary in &mut measured {
            // The hello-world answers any HTTP event: it gets the list of services.
            let sample = Function::ALL
                .iter()
                .find(|f| f.binary() == binary.name)
                .map_or("services", |function| sample_event(*function));
            let event = std::fs::read(root.join("events").join(format!("{sample}.json")))?;
            let start = start_once(&binaries.join(&binary.name), &env, event)
                .await
                .with_context(|| format!("{} (run {run})", binary.name))?;
            binary.starts.push(start);
        }
    }
    print(&measured, runs);
    Ok(())
}

/// Starts a binary against a fresh stand-in of the runtime API and times it.
async fn start_once(
    binary: &Path,
    env: &[(String, String)],
    event: Vec<u8>,
) -> anyhow::Result<Start> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let (seen, mut heard) = mpsc::unbounded_channel();
    let server = tokio::spawn(serve(listener, event, seen));
    let log = std::env::temp_dir().join(format!("prenota-coldstart-{}.log", std::process::id()));
    let started = Instant::now();
    let child = Command::new(binary)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log)?)
        .spawn()?;
    let mut child = KillOnDrop(child);
    let mut init = None;
    let deadline = started + PATIENCE;
    let outcome = loop {
        // Every 50 ms, whether the process has ended (a failed start says so at once).
        match tokio::time::timeout(Duration::from_millis(50), heard.recv()).await {
            Ok(Some((Call::Next, at))) => {
                init.get_or_insert(at - started);
            }
            Ok(Some((Call::Response(status), at))) => {
                break Ok(Start {
                    init: init.context("a response before the first poll")?,
                    first_response: at - started,
                    status,
                });
            }
            Ok(Some((Call::Error(path), _))) => {
                break Err(anyhow::anyhow!("the function reported {path}"));
            }
            Ok(None) => break Err(anyhow::anyhow!("the stand-in stopped")),
            Err(_) if Instant::now() > deadline => {
                break Err(anyhow::anyhow!("no answer within {PATIENCE:?}"));
            }
            Err(_) => {
                if let Some(status) = child.0.try_wait()? {
                    break Err(anyhow::anyhow!("the process ended ({status})"));
                }
            }
        }
    };
    drop(child);
    server.abort();
    let errors = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_file(&log);
    outcome.with_context(|| errors.trim().chars().take(2_000).collect::<String>())
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

enum Call {
    Next,
    /// The invocation's answer, and the HTTP status inside it (an API Gateway response).
    Response(Option<u16>),
    Error(String),
}

/// The runtime API's three calls that matter here: the first `next` gets the event, a later one
/// waits (the process is killed meanwhile); `…/response` is timed when its head arrives, and
/// its body read for the status; `…/error` ends the run. Aborting this task ends its
/// connections too.
async fn serve(
    listener: TcpListener,
    event: Vec<u8>,
    seen: mpsc::UnboundedSender<(Call, Instant)>,
) {
    let mut event = Some(event);
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            return;
        };
        let seen = seen.clone();
        let given = event.take();
        connections.spawn(async move {
            let _ = connection(stream, given, seen).await;
        });
    }
}

async fn connection(
    mut stream: TcpStream,
    mut event: Option<Vec<u8>>,
    seen: mpsc::UnboundedSender<(Call, Instant)>,
) -> anyhow::Result<()> {
    let mut buffer = Vec::new();
    loop {
        let head = read_head(&mut stream, &mut buffer).await?;
        let at = Instant::now();
        let line = head.lines().next().unwrap_or_default().to_owned();
        let path = line.split(' ').nth(1).unwrap_or_default().to_owned();
        if path.ends_with("/invocation/next") {
            let _ = seen.send((Call::Next, at));
            let Some(body) = event.take() else {
                // The process is killed before it gets another event.
                std::future::pending::<()>().await;
                return Ok(());
            };
            let deadline = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)?
                .as_millis()
                + 60_000;
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                 lambda-runtime-aws-request-id: bench-request\r\n\
                 lambda-runtime-deadline-ms: {deadline}\r\n\
                 lambda-runtime-invoked-function-arn: arn:aws:lambda:eu-south-1:123456789012:function:bench\r\n\
                 lambda-runtime-trace-id: Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0\r\n\
                 content-length: {}\r\n\r\n",
                body.len()
            );
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(&body).await?;
        } else if path.ends_with("/response") {
            let body = read_body(&mut stream, &mut buffer, &head).await;
            let _ = seen.send((Call::Response(status_of(&body)), at));
            return Ok(());
        } else {
            let _ = seen.send((Call::Error(path), at));
            return Ok(());
        }
    }
}

/// Reads one request's head (up to the blank line); a body is never needed here.
async fn read_head(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> anyhow::Result<String> {
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
            buffer.drain(..end + 4);
            return Ok(head);
        }
        let mut chunk = [0u8; 4096];
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            bail!("the connection closed");
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
}

/// The body of a request whose head is `head` (by its content-length; empty without one).
async fn read_body(stream: &mut TcpStream, buffer: &mut Vec<u8>, head: &str) -> Vec<u8> {
    let length = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .unwrap_or(0);
    while buffer.len() < length {
        let mut chunk = [0u8; 4096];
        match stream.read(&mut chunk).await {
            Ok(read) if read > 0 => buffer.extend_from_slice(&chunk[..read]),
            _ => break,
        }
    }
    buffer[..length.min(buffer.len())].to_vec()
}

/// The HTTP status of an API Gateway response (`statusCode`); none for a scheduled function's.
fn status_of(body: &[u8]) -> Option<u16> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    value["statusCode"]
        .as_u64()
        .and_then(|s| u16::try_from(s).ok())
}

/// Where this benchmark's own binary is: the release binaries beside it.
fn binaries_dir() -> anyhow::Result<PathBuf> {
    Ok(std::env::current_exe()?
        .parent()
        .context("the benchmark's folder")?
        .to_path_buf())
}

fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn print(measured: &[Measured], runs: usize) {
    let millis = |d: Duration| format!("{:.1}", d.as_secs_f64() * 1000.0);
    let hello = &measured[0];
    let hello_init = median(hello.starts.iter().map(|s| s.init).collect());
    println!(
        "Cold starts: medians of {runs} runs, each binary in turn; sizes of the release binaries."
    );
    println!();
    println!(
        "| binary | size | × hello | start → first poll | × hello | start → first response | its status |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for binary in measured {
        let init = median(binary.starts.iter().map(|s| s.init).collect());
        let first = median(binary.starts.iter().map(|s| s.first_response).collect());
        // What was timed: the statuses answered (a sample needing a session answers 401).
        let mut statuses: Vec<String> = binary
            .starts
            .iter()
            .map(|s| s.status.map_or("–".to_owned(), |code| code.to_string()))
            .collect();
        statuses.sort();
        statuses.dedup();
        println!(
            "| {} | {:.1} MiB | {:.1} | {} ms | {:.1} | {} ms | {} |",
            binary.name,
            binary.size as f64 / 1_048_576.0,
            binary.size as f64 / hello.size as f64,
            millis(init),
            init.as_secs_f64() / hello_init.as_secs_f64(),
            millis(first),
            statuses.join(", "),
        );
    }
}
