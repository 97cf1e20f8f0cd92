//! A real `nats-server` for tests and benchmarks: JetStream on, file storage
//! in its own directory, bound to 127.0.0.1 on a free port, killed when the
//! guard drops (also when a test panics).

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The variable that turns a missing `nats-server` from a skip into a failure
/// (`.ci/run` sets it).
pub const REQUIRE_NATS_ENV: &str = "BASIS_REQUIRE_NATS";

/// A running `nats-server`.
#[derive(Debug)]
pub struct NatsServer {
    child: Option<Child>,
    port: u16,
    store: PathBuf,
    config: Option<PathBuf>,
}

impl NatsServer {
    /// Whether `nats-server` can be run; if not, says so on stderr and
    /// returns false, or panics when [`REQUIRE_NATS_ENV`] is set.
    pub fn available() -> bool {
        let found = Command::new("nats-server")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if !found {
            assert!(
                std::env::var_os(REQUIRE_NATS_ENV).is_none(),
                "nats-server is not installed and {REQUIRE_NATS_ENV} is set; apt-get install nats-server"
            );
            eprintln!("skipped: nats-server is not installed (apt-get install nats-server)");
        }
        found
    }

    /// Starts a server storing in `store`, on a free port, and waits until it
    /// accepts connections.
    pub fn start(store: &Path) -> io::Result<NatsServer> {
        NatsServer::start_with(store, None)
    }

    /// The same with a configuration file's text (`jetstream { sync_interval: always }`).
    pub fn start_with(store: &Path, config: Option<&str>) -> io::Result<NatsServer> {
        std::fs::create_dir_all(store)?;
        let config = match config {
            Some(text) => {
                let path = store.join("nats-server.conf");
                std::fs::write(&path, text)?;
                Some(path)
            }
            None => None,
        };
        let mut server = NatsServer {
            child: None,
            port: free_port()?,
            store: store.to_owned(),
            config,
        };
        server.restart()?;
        Ok(server)
    }

    /// `nats://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// SIGKILLs the server (as a crash would), keeping its storage.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and storage (killing it first if it
    /// runs), and waits until it accepts connections.
    pub fn restart(&mut self) -> io::Result<()> {
        self.kill();
        let mut command = Command::new("nats-server");
        command
            .arg("-js")
            .arg("-sd")
            .arg(&self.store)
            .args(["-a", "127.0.0.1", "-p"])
            .arg(self.port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(config) = &self.config {
            command.arg("-c").arg(config);
        }
        self.child = Some(command.spawn()?);
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if Instant::now() > deadline {
                self.kill();
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("nats-server did not listen on {addr} within 10s"),
                ));
            }
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                return Err(io::Error::other(format!(
                    "nats-server exited at start: {status}"
                )));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A port nobody listens on now (the OS's choice for port 0).
pub fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port())
}
