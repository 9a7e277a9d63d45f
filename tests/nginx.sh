# nginx in front of certifica nodes, for make run-cluster (tests/cluster.sh)
# and the cluster tests (sourced). nginx_conf DIR PORT NODE-PORT... writes
# DIR/nginx.conf: nginx on 127.0.0.1:PORT, its logs and temporary files in
# DIR (DIR/nginx-tmp must exist, writable by nginx's worker user), passing
# requests to the nodes on 127.0.0.1:NODE-PORT..., as docs/scale-out.md
# explains. nginx_start DIR PORT checks and starts it and waits until
# /healthz answers through it; sets NGINX_PID, returns 1 when it does not.
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

nginx_conf() {
	_nd=$1 _np=$2
	shift 2
	_up=
	for _n; do
		_up="$_up        server 127.0.0.1:$_n max_fails=2 fail_timeout=5s;
"
	done
	cat >"$_nd/nginx.conf" <<CONF
# Written by tests/nginx.sh (make run-cluster); docs/scale-out.md explains it.
worker_processes 1;
daemon off;
pid $_nd/nginx.pid;
error_log $_nd/nginx-error.log warn;
events { worker_connections 512; }
http {
    log_format certifica '\$remote_addr [\$time_iso8601] "\$request" \$status '
                         '\$body_bytes_sent up=\$upstream_addr \$upstream_status '
                         't=\$request_time xff="\$http_x_forwarded_for"';
    access_log $_nd/nginx-access.log certifica;
    client_body_temp_path $_nd/nginx-tmp/body;
    proxy_temp_path $_nd/nginx-tmp/proxy;
    fastcgi_temp_path $_nd/nginx-tmp/fastcgi;
    uwsgi_temp_path $_nd/nginx-tmp/uwsgi;
    scgi_temp_path $_nd/nginx-tmp/scgi;

    upstream certifica {
$_up        keepalive 32;
    }
    server {
        listen 127.0.0.1:$_np;
        # certifica's own limit is --max-body (256 KiB): nginx refuses
        # larger bodies before they reach a node.
        client_max_body_size 256k;
        location / {
            proxy_pass http://certifica;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
            proxy_set_header X-Real-IP \$remote_addr;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_connect_timeout 2s;
            proxy_read_timeout 35s;
            # A delivery is idempotent (a redelivery changes nothing), so a
            # POST that failed on one node may be tried on the other.
            proxy_next_upstream error timeout http_502 http_503 non_idempotent;
            proxy_next_upstream_tries 2;
        }
    }
}
CONF
}

nginx_start() {
	"$NGINX" -t -q -c "$1/nginx.conf" -p "$1" 2>"$1/nginx-error.log" || return 1
	"$NGINX" -c "$1/nginx.conf" -p "$1" 2>>"$1/nginx-error.log" &
	NGINX_PID=$!
	_i=0
	until curl -s -o /dev/null "http://127.0.0.1:$2/healthz"; do
		_i=$((_i + 1))
		[ "$_i" -lt 100 ] && kill -0 "$NGINX_PID" 2>/dev/null || return 1
		sleep 0.1
	done
}
