//! The Python `websockets` peer (tests/peers/ws_peer.py) and the virtualenv it runs in.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

const WEBSOCKETS: &str = "websockets==17.4";

/// The virtualenv's python, created once.
pub fn python() -> &'static PathBuf {
    static PY: OnceLock<PathBuf> = OnceLock::new();
    PY.get_or_init(|| {
        let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("py-websockets-17.4");
        let py = venv.join("bin/python");
        let ready = Command::new(&py)
            .args(["-c", "import websockets"])
            .status()
            .is_ok_and(|s| s.success());
        if !ready {
            let ok = Command::new("python3")
                .args(["-m", "venv"])
                .arg(&venv)
                .status()
                .unwrap()
                .success();
            assert!(ok, "python3 -m venv failed");
            let ok = Command::new(venv.join("bin/pip"))
                .args(["install", "-q", "--disable-pip-version-check", WEBSOCKETS])
                .status()
                .unwrap()
                .success();
            assert!(ok, "pip install {WEBSOCKETS} failed");
        }
        py
    })
}

pub fn script() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/peers/ws_peer.py")
}
