"""The HA conductor worker's metrics and health endpoint (off by default).

``GET /metrics``: :mod:`.metrics`. ``GET /healthz``: 200 while this
worker's RPC server runs and the extension's database answers, else 503,
with a JSON body saying which check failed (a load balancer or a
systemd/Kubernetes probe reads the status, an operator the body).
"""

import http.server
import json
import socket
import threading

from oslo_log import log as logging

from nova import context as nova_context

from nova_ha_ext.conductor import metrics
from nova_ha_ext.db import metrics as db_metrics

LOG = logging.getLogger(__name__)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self):
        # NOTE: the workers forked by one nova-ha-conductor share the port.
        if hasattr(socket, 'SO_REUSEPORT'):
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        super().server_bind()


class _Handler(http.server.BaseHTTPRequestHandler):
    #: Set on the subclass made per server: the HAConductorService.
    service = None

    def do_GET(self):  # noqa: N802 -- http.server's naming
        path = self.path.split('?', 1)[0]
        if path == '/metrics':
            self._metrics()
        elif path == '/healthz':
            self._health()
        else:
            self._send(404, 'application/json', json.dumps(
                {'error': 'no such path; use /metrics or /healthz'}))

    def _metrics(self):
        try:
            body = metrics.render(nova_context.get_admin_context())
        except Exception as error:  # noqa: BLE001 -- said in the answer
            LOG.warning('Metrics could not be read: %s', error)
            self._send(503, 'application/json', json.dumps(
                {'error': 'the database could not be read: %s' % error}))
            return
        self._send(200, metrics.CONTENT_TYPE, body)

    def _health(self):
        checks = {'rpc_server': self.service.serving()}
        try:
            db_metrics.snapshot(nova_context.get_admin_context())
            checks['database'] = True
        except Exception as error:  # noqa: BLE001 -- said in the answer
            checks['database'] = False
            checks['database_error'] = str(error)
        healthy = checks['rpc_server'] and checks['database']
        body = dict(checks, status='ok' if healthy else 'failing',
                    worker=self.service.worker_id)
        self._send(200 if healthy else 503, 'application/json',
                   json.dumps(body))

    def _send(self, status, content_type, text):
        data = text.encode('utf-8')
        self.send_response(status)
        self.send_header('Content-Type', content_type)
        self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):  # noqa: A002 -- http.server's
        LOG.debug('metrics endpoint: %s', format % args)


class StatusServer:
    """Serves the endpoint in a thread (green under eventlet)."""

    def __init__(self, service, host, port):
        handler = type('Handler', (_Handler,), {'service': service})
        self.httpd = _Server((host, port), handler)
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, name='nova-ha-metrics',
            daemon=True)

    def start(self):
        self._thread.start()
        LOG.info('Metrics and health on http://%s:%d/metrics and /healthz',
                 self.httpd.server_address[0], self.port)

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(5)
