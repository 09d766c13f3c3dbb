//! One small generated organisation per test binary, generated and ingested once; each
//! test copies its lake when it needs state of its own.

use std::path::{Path, PathBuf};

use costscope_app::{App, AppConfig, Principal};
use costscope_synth::demo_lake::{self, DemoLakeOptions};
use tokio::sync::OnceCell;

/// The directory of the generated files and of the lake they were ingested into.
pub struct Organisation {
    dir: tempfile::TempDir,
}

impl Organisation {
    pub fn lake(&self) -> PathBuf {
        self.dir.path().join("lake")
    }
}

static ORGANISATION: OnceCell<Organisation> = OnceCell::const_new();

/// The shared organisation.
pub async fn organisation() -> &'static Organisation {
    ORGANISATION.get_or_init(build).await
}

/// An app over the shared lake (read-only analyses only: nothing here writes state).
pub async fn shared_app() -> App {
    App::open(&AppConfig {
        lake: organisation().await.lake(),
        access: None,
    })
    .expect("app")
}

/// An app over a private copy of the shared lake, for tests that keep state.
pub async fn private_app() -> (tempfile::TempDir, App) {
    let copy = tempfile::tempdir().expect("tempdir");
    copy_dir(&organisation().await.lake(), copy.path());
    let app = App::open(&AppConfig {
        lake: copy.path().to_path_buf(),
        access: None,
    })
    .expect("app");
    (copy, app)
}

pub fn admin() -> Principal {
    Principal::admin()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

async fn build() -> Organisation {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut options = DemoLakeOptions::in_dir(dir.path(), 7);
    options.generate.months = 2;
    options.generate.rows = Some(20_000);
    demo_lake::build(&options).await.expect("demo lake");
    Organisation { dir }
}
