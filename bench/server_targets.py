"""The two real servers of bench/servers.py: Debian's redis and nginx,
built from their source packages with suture-cc, each with its own load
tool and a few patches of functions every request runs (none of them on
the stack of an idle thread, so `stop` can switch).

A server offers: build(work), patches: [(name, source, object, edits)],
make_args and make_dir (for bench/server_patch.py), start(work, port) ->
the processes to patch, groups(pids) -> [(role, pids)] patched by one
suture command each, load(port) -> a server_load.Load, stop()."""
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
import debsrc  # noqa: E402
from server_load import Load, parse_httpload, parse_redis_benchmark  # noqa: E402

SUTURE_CC = str(ROOT / "build" / "suture-cc")


def _run(command, cwd, log):
    with open(log, "w") as sink:
        if subprocess.run(command, cwd=cwd, stdout=sink, stderr=subprocess.STDOUT).returncode:
            sys.exit(f"{' '.join(command)} in {cwd} failed: see {log}")


def _wait_port(port, proc, what):
    for _ in range(200):
        if proc.poll() is not None:
            sys.exit(f"{what} exited {proc.returncode} at start")
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"{what} does not listen on port {port}")


class Redis:
    """redis-server 7.0.15 as tests/test_build_redis.py builds it (libc
    malloc, -O2: redis's -O3 brings -flto); load: redis-benchmark from the
    same tree, SET and GET, 8 connections."""
    name = "redis"
    make_args = ["V=1", f"CC={SUTURE_CC}", "OPTIMIZATION=-O2", "CFLAGS=-g -fease-live-patching",
                 "MALLOC=libc", "BUILD_TLS=no", "USE_SYSTEMD=no"]
    key_check = ("    if (sdslen(c->argv[1]->ptr) > 512*1024*1024) {\n"
                 "        addReplyError(c,\"key too long\");\n        return%s;\n    }\n")
    patches = [
        ("redis-get", "t_string.c", "t_string.o",
         [("int getGenericCommand(client *c) {\n    robj *o;\n",
           "int getGenericCommand(client *c) {\n    robj *o;\n" + key_check % " C_ERR")]),
        ("redis-set", "t_string.c", "t_string.o",
         [("void setCommand(client *c) {\n", "void setCommand(client *c) {\n" + key_check % "")]),
        ("redis-lookup", "db.c", "db.o",
         [("    dictEntry *de = dictFind(db->dict,key->ptr);\n",
           "    if (key->ptr == NULL) return NULL;\n    dictEntry *de = dictFind(db->dict,key->ptr);\n")]),
        ("redis-multibulk", "networking.c", "networking.o",
         [("if (!ok || ll > INT_MAX) {", "if (!ok || ll > INT_MAX - 1) {")]),
    ]

    def build(self, work):
        self.tree = debsrc.fetch_source("redis", work / "src")
        self.make_dir = self.tree / "src"
        if not (self.make_dir / "redis-benchmark").exists():
            _run(["make", "-j2", "redis-server", "redis-benchmark", *self.make_args],
                 self.make_dir, work / "redis-build.log")

    def start(self, work, port):
        self.proc = subprocess.Popen([str(self.make_dir / "redis-server"), "--port", str(port),
                                      "--save", "", "--appendonly", "no"],
                                     stdout=subprocess.DEVNULL)
        _wait_port(port, self.proc, "redis-server")
        return [self.proc.pid]

    def groups(self, pids):
        return [("server", pids)]

    def load(self, port):
        return Load([str(self.make_dir / "redis-benchmark"), "-p", str(port), "-c", "8",
                     "-n", "2000", "-t", "set,get", "-l", "--csv"], parse_redis_benchmark)

    def stop(self):
        self.proc.kill()
        self.proc.wait()


NGINX_CONF = """user root;
worker_processes 2;
daemon off;
pid logs/nginx.pid;
error_log logs/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_requests 100000000;
    server {
        listen 127.0.0.1:%d;
        location / { root html; index index.html; }
    }
}
"""


class Nginx:
    """nginx 1.22 from Debian's source, ./configure'd with suture-cc and
    without the modules that need pcre or zlib (and the proxies); a master
    and 2 workers, all patched; load: bench/servers/httpload.c, GET / over
    8 keep-alive connections (the index module turns it into
    /index.html, served by the static module)."""
    name = "nginx"
    make_args = ["-f", "objs/Makefile"]
    configure = ["--with-cc-opt=-O2 -g -fease-live-patching", "--without-pcre",
                 "--without-http_rewrite_module", "--without-http_gzip_module",
                 "--without-http_proxy_module", "--without-http_fastcgi_module",
                 "--without-http_uwsgi_module", "--without-http_scgi_module",
                 "--without-http_grpc_module", "--without-http_memcached_module"]
    patches = [
        ("nginx-static", "src/http/modules/ngx_http_static_module.c",
         "objs/src/http/modules/ngx_http_static_module.o",
         [("if (r->uri.data[r->uri.len - 1] == '/') {",
           "if (r->uri.len == 0 || r->uri.data[r->uri.len - 1] == '/') {")]),
        ("nginx-content-phase", "src/http/ngx_http_core_module.c",
         "objs/src/http/ngx_http_core_module.o",
         [("    rc = ph->handler(r);\n\n    if (rc != NGX_DECLINED) {\n        ngx_http_finalize_request(r, rc);",
           "    if (ph->handler == NULL) {\n"
           "        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);\n"
           "        return NGX_OK;\n    }\n\n"
           "    rc = ph->handler(r);\n\n    if (rc != NGX_DECLINED) {\n        ngx_http_finalize_request(r, rc);")]),
        ("nginx-palloc", "src/core/ngx_palloc.c", "objs/src/core/ngx_palloc.o",
         [("ngx_palloc(ngx_pool_t *pool, size_t size)\n{\n",
           "ngx_palloc(ngx_pool_t *pool, size_t size)\n{\n    if (pool == NULL) {\n"
           "        return NULL;\n    }\n\n")]),
        ("nginx-parse-method", "src/http/ngx_http_parse.c", "objs/src/http/ngx_http_parse.o",
         [("            if ((ch < 'A' || ch > 'Z') && ch != '_' && ch != '-') {\n"
           "                return NGX_HTTP_PARSE_INVALID_METHOD;",
           "            if ((ch < 'A' || ch > 'Z') && ch != '_' && ch != '-' && ch != 0x7f) {\n"
           "                return NGX_HTTP_PARSE_INVALID_METHOD;")]),
    ]

    def build(self, work):
        self.tree = debsrc.fetch_source("nginx", work / "src")
        self.make_dir = self.tree
        self.httpload = work / "httpload"
        if not (self.tree / "objs" / "nginx").exists():
            _run(["./configure", f"--with-cc={SUTURE_CC}", f"--prefix={work / 'nginx-run'}",
                  *self.configure], self.tree, work / "nginx-configure.log")
            _run(["make", "-j2", *self.make_args], self.tree, work / "nginx-build.log")
        _run(["gcc", "-O2", "-pthread", str(ROOT / "bench" / "servers" / "httpload.c"),
              "-o", str(self.httpload)], work, work / "httpload-build.log")

    def start(self, work, port):
        prefix = work / "nginx-run"
        for sub in ("conf", "logs", "html"):
            (prefix / sub).mkdir(parents=True, exist_ok=True)
        (prefix / "conf" / "nginx.conf").write_text(NGINX_CONF % port)
        shutil.copy(self.tree / "html" / "index.html", prefix / "html" / "index.html")
        self.proc = subprocess.Popen([str(self.tree / "objs" / "nginx"), "-p", str(prefix),
                                      "-c", "conf/nginx.conf"])
        _wait_port(port, self.proc, "nginx")
        for _ in range(100):
            workers = pathlib.Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
            pids = workers.read_text().split()
            if len(pids) == 2:
                self.workers = [int(pid) for pid in pids]
                return [self.proc.pid, *self.workers]
            time.sleep(0.05)
        sys.exit("nginx did not start its 2 workers")

    def groups(self, pids):
        """The master (which serves no request), then the 2 workers."""
        return [("master", pids[:1]), ("workers", pids[1:])]

    def load(self, port):
        return Load([str(self.httpload), str(port), "8", "100"], parse_httpload)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for pid in self.workers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
