//! A real S3-compatible server (moto's server mode) on loopback for tests; shared by the
//! lake's and the binary's integration tests.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt};

/// A moto S3 server on a free loopback port, stopped when dropped.
pub struct S3Server {
    child: Child,
    pub endpoint: String,
}

impl S3Server {
    /// Starts the server named by `COSTSCOPE_MOTO_SERVER` (installed by `scripts/test`),
    /// or `moto_server` from the PATH.
    pub fn start() -> Self {
        let program =
            std::env::var("COSTSCOPE_MOTO_SERVER").unwrap_or_else(|_| "moto_server".into());
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let child = Command::new(&program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start `{program}` (run the tests through scripts/test): {e}")
            });
        let server = S3Server {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "the S3 server did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    /// Creates a bucket with a plain CreateBucket request.
    pub fn create_bucket(&self, bucket: &str) {
        let address = self.endpoint.trim_start_matches("http://");
        let mut stream = TcpStream::connect(address).expect("connect");
        let request = format!(
            "PUT /{bucket} HTTP/1.1\r\nHost: {address}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).expect("send");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("response");
        assert!(
            response.starts_with("HTTP/1.1 200"),
            "CreateBucket failed: {response}"
        );
    }

    /// Settings for `Source::open_s3_with`.
    pub fn settings(&self) -> Vec<(&str, &str)> {
        vec![
            ("endpoint", self.endpoint.as_str()),
            ("access_key_id", "testing"),
            ("secret_access_key", "testing"),
            ("region", "us-east-1"),
        ]
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Uploads every file under `dir` to `bucket` under `prefix`.
pub async fn upload(store: &dyn ObjectStore, dir: &Path, prefix: &str) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let relative = path
                .strip_prefix(dir)
                .expect("relative")
                .display()
                .to_string();
            let key = ObjectPath::from(format!("{prefix}/{relative}"));
            let bytes = std::fs::read(&path).expect("read");
            store.put(&key, bytes.into()).await.expect("put");
        }
    }
}
