#!/usr/bin/env python3
"""Runs tensorio's remote-file tests against real servers on 127.0.0.1.

    run_remote_tests.py TEST_EXE CURL(yes|no) CORPUS_DIR [--cli TENSORIO_EXE] [gtest arguments...]

Starts nginx (Debian's nginx-light) on an ephemeral loopback port with a generated config in a
temporary directory, serving a copy of the test corpora under /corpus/ and a scratch directory
the tests write into under /data/, with an access log of every request; starts the project's
fault-injecting server (fault_server.py) over the same scratch directory; where openssl is
installed, nginx also serves the same files over TLS with HTTP/2 (a self-signed certificate
for 127.0.0.1); runs TEST_EXE with
their addresses in the environment; stops both. Exits 77 (meson's "skipped") when this build has
no libcurl or nginx is not installed, and otherwise with the tests' status.
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def find_nginx():
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/sbin/nginx") if os.access(p, os.X_OK)), None)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.05)
    return False


NGINX_CONF = """daemon off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{ worker_connections 512; }}
http {{
  client_body_temp_path {d}/body;
  proxy_temp_path {d}/proxy;
  fastcgi_temp_path {d}/fastcgi;
  uwsgi_temp_path {d}/uwsgi;
  scgi_temp_path {d}/scgi;
  types {{ }}
  default_type application/octet-stream;
  log_format ranges '$request_uri $status "$http_range" $server_protocol $connection $body_bytes_sent';
  access_log {d}/access.log ranges;
  sendfile on;
  keepalive_requests 100000;
  server {{
    listen 127.0.0.1:{port};
    root {root};
  }}
{tls}}}
"""

TLS_SERVER = """  server {{
    listen 127.0.0.1:{port} ssl http2;
    ssl_certificate {d}/cert.pem;
    ssl_certificate_key {d}/key.pem;
    root {root};
  }}
"""


def make_certificate(workdir):
    """A self-signed certificate for 127.0.0.1 (cert.pem, key.pem); False without openssl."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return False
    result = subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", os.path.join(workdir, "key.pem"), "-out", os.path.join(workdir, "cert.pem")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return result.returncode == 0


def start_nginx(nginx, workdir, root, tls_port=None):
    for _ in range(5):
        port = free_port()
        tls = TLS_SERVER.format(d=workdir, port=tls_port, root=root) if tls_port else ""
        with open(os.path.join(workdir, "nginx.conf"), "w") as f:
            f.write(NGINX_CONF.format(d=workdir, port=port, root=root, tls=tls))
        proc = subprocess.Popen([nginx, "-p", workdir, "-c", os.path.join(workdir, "nginx.conf")],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if wait_for_port(port, proc):
            return proc, port
        proc.kill()
        proc.wait()
    raise RuntimeError("nginx did not start; see " + os.path.join(workdir, "error.log"))


def run_cli_checks(cli, base, workdir, env):
    """The command on URLs: inspect, verify, convert and bench. Returns 0 when all pass."""
    failures = 0

    def run(args, expect_status=0, expect_text=None):
        nonlocal failures
        proc = subprocess.run([cli] + args, env=env, capture_output=True, text=True, timeout=300)
        ok = proc.returncode == expect_status and (expect_text is None or expect_text in proc.stdout)
        print(("ok   " if ok else "FAIL ") + "tensorio " + " ".join(args), flush=True)
        if not ok:
            failures += 1
            print(f"  status {proc.returncode}\n  stdout: {proc.stdout[-2000:]}\n"
                  f"  stderr: {proc.stderr[-2000:]}", flush=True)
        return proc

    st = base + "/corpus/safetensors/good/all_22_dtypes.safetensors"
    run(["inspect", st], expect_text="safetensors, 22 tensors")
    run(["inspect", "--json", base + "/corpus/gguf/good/all_value_types.gguf"],
        expect_text='"format":"gguf"')
    run(["verify", base + "/corpus/npz/good/numpy_savez_compressed.npz"])
    run(["verify", base + "/corpus/npz/bad/bad_checksum__bad_crc_stored.npz"], expect_status=1)
    run(["inspect", base + "/corpus/npy/good/no_such_file.npy"], expect_status=1)
    out = os.path.join(workdir, "converted.npz")
    run(["convert", base + "/corpus/npz/good/numpy_savez.npz", out])
    run(["inspect", out], expect_text="npz")
    run(["bench", "--runs", "1", st], expect_text="requests")
    return 1 if failures else 0


def main():
    exe, curl, corpus = sys.argv[1], sys.argv[2], sys.argv[3]
    rest = sys.argv[4:]
    cli = None
    if rest[:1] == ["--cli"]:
        cli, rest = rest[1], rest[2:]
    if curl != "yes":
        print("SKIP: this build of tensorio has no libcurl (remote files disabled)")
        return 77
    nginx = find_nginx()
    if nginx is None:
        print("SKIP: nginx is not installed (Debian: nginx-light)")
        return 77
    workdir = tempfile.mkdtemp(prefix="tensorio-remote-")
    nginx_proc = fault_proc = None
    try:
        # nginx's workers run as nobody when the master is root: everything they serve must be
        # world-readable, so they serve copies under a directory made for them.
        os.chmod(workdir, 0o755)
        root = os.path.join(workdir, "www")
        os.makedirs(os.path.join(root, "data"))
        shutil.copytree(corpus, os.path.join(root, "corpus"))
        for d, _, files in os.walk(root):
            os.chmod(d, 0o755)
            for f in files:
                os.chmod(os.path.join(d, f), 0o644)
        tls_port = free_port() if make_certificate(workdir) else None
        nginx_proc, port = start_nginx(nginx, workdir, root, tls_port)
        fault_proc = subprocess.Popen([sys.executable, os.path.join(HERE, "fault_server.py"),
                                       os.path.join(root, "data")],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        fault_port = int(fault_proc.stdout.readline())
        env = dict(os.environ)
        for k in ("http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
            env.pop(k, None)
        env.update({
            "no_proxy": "*",
            "TENSORIO_TEST_NGINX": f"http://127.0.0.1:{port}",
            "TENSORIO_TEST_NGINX_LOG": os.path.join(workdir, "access.log"),
            "TENSORIO_TEST_FAULT": f"http://127.0.0.1:{fault_port}",
            "TENSORIO_TEST_WWW": root,
        })
        if tls_port:
            env["TENSORIO_TEST_NGINX_TLS"] = f"https://127.0.0.1:{tls_port}"
            env["TENSORIO_TEST_CA"] = os.path.join(workdir, "cert.pem")
        env.pop("TENSORIO_HTTP_BEARER", None)
        status = subprocess.call([exe] + rest, env=env)
        if cli is not None:
            status = run_cli_checks(cli, f"http://127.0.0.1:{port}", workdir, env) or status
        return status
    finally:
        if fault_proc:
            fault_proc.stdin.close()
            fault_proc.kill()
            fault_proc.wait()
        if nginx_proc:
            nginx_proc.terminate()
            try:
                nginx_proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                nginx_proc.kill()
        if os.environ.get("TENSORIO_KEEP_LOG"):
            shutil.copy(os.path.join(workdir, "access.log"), os.environ["TENSORIO_KEEP_LOG"])
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
