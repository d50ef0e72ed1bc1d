"""py-svc: a Python service written against the official Dapr Python SDK, run behind a Tandem sidecar.

It is a gRPC app (dapr-ext-grpc's App, the sidecar runs with --app-protocol grpc) and a client
(DaprClient) of its own sidecar. What it receives it reports to the test's recorder (a small HTTP
server the test runs): every report is a JSON object POSTed to RECORDER_URL before the handler
answers the sidecar, so the test sees an event as soon as the app has seen it.

Environment:
  APP_PORT         the gRPC port the sidecar calls (its --app-port)
  CONTROL_PORT     a plain HTTP port on which the test asks this app to act as a Dapr client
  RECORDER_URL     where reports go, e.g. http://127.0.0.1:4711/record
  DAPR_HTTP_PORT / DAPR_GRPC_PORT   the sidecar's API ports, read by the SDK itself

The control port (JSON in, JSON out; no Dapr involved):
  GET  /ready                       200 once the gRPC server is up
  POST /run/invoke                  {"appId","method","protocol":"http"|"grpc","data"}: DaprClient.invoke_method
  POST /run/binding                 {"name","operation","data","metadata"}: DaprClient.invoke_binding
  POST /run/stream-subscribe        {"topic"}: DaprClient.subscribe_with_handler (streaming subscription)
  POST /run/stream-close            {"topic"}: closes that streaming subscription
"""

import json
import logging
import os
import sys
import threading
import time
import traceback
import urllib.request
from concurrent import futures
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import grpc
from dapr.clients import DaprClient
from dapr.clients.grpc.client import DaprGrpcClient
from dapr.ext.grpc import App, BindingRequest, InvokeMethodRequest, Rule, TopicEventResponse

APP_ID = 'py-svc'
PUBSUB = 'pubsub'
APP_PORT = int(os.environ['APP_PORT'])
CONTROL_PORT = int(os.environ['CONTROL_PORT'])
RECORDER_URL = os.environ['RECORDER_URL']

logging.basicConfig(
    level=logging.INFO, stream=sys.stdout, format='%(asctime)s py-svc %(levelname)s %(message)s'
)
log = logging.getLogger('py-svc')


# ---------------------------------------------------------------------------------------------
# Reporting to the test


def record(kind, **fields):
    """POSTs one report to the recorder; waits for it so that reports keep the order of events."""
    body = json.dumps({'app': APP_ID, 'kind': kind, **fields}, default=str).encode()
    req = urllib.request.Request(
        RECORDER_URL, data=body, method='POST', headers={'content-type': 'application/json'}
    )
    try:
        with urllib.request.urlopen(req, timeout=5) as res:
            res.read()
    except Exception as e:  # a lost report shows up as a failed assertion, with this in the log
        log.error('could not report %s to the recorder: %s', kind, e)


def decode(data):
    """Event or request data as JSON when it is JSON, else as text."""
    if data is None:
        return None
    if isinstance(data, (bytes, bytearray)):
        data = data.decode('utf-8', errors='replace')
    try:
        return json.loads(data)
    except (TypeError, ValueError):
        return data


def event_fields(event):
    """What a subscriber sees of a CloudEvent delivered through dapr-ext-grpc (a cloudevents v1.Event)."""
    extensions = {
        k: v for k, v in (event.Extensions() or {}).items() if not k.startswith('_metadata_')
    }
    return {
        'topic': event.Subject(),  # dapr-ext-grpc puts the delivered topic here
        'id': event.EventID(),
        'type': event.EventType(),
        'source': event.Source(),
        'datacontenttype': event.ContentType(),
        'data': decode(event.Data()),
        'extensions': extensions,
    }


# ---------------------------------------------------------------------------------------------
# What the sidecar calls: every AppCallback call is also reported raw, with its gRPC outcome, by an
# interceptor, so the test can count deliveries the SDK answers by itself (e.g. UNIMPLEMENTED).


class CallbackRecorder(grpc.ServerInterceptor):
    def intercept_service(self, continuation, details):
        handler = continuation(details)
        method = details.method.rsplit('/', 1)[-1]
        if handler is None or handler.unary_unary is None or method != 'OnTopicEvent':
            return handler
        inner = handler.unary_unary

        def wrapped(request, context):
            seen = {
                'topic': request.topic,
                'path': request.path,
                'id': request.id,
                'type': request.type,
            }
            try:
                response = inner(request, context)
            except Exception:
                code = context.code() if hasattr(context, 'code') else None
                record('callback', method=method, outcome=str(code or 'EXCEPTION'), **seen)
                raise
            status = getattr(response, 'status', None)
            record('callback', method=method, outcome='OK', status=status, **seen)
            return response

        return grpc.unary_unary_rpc_method_handler(
            wrapped,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


app = App(
    thread_pool=futures.ThreadPoolExecutor(max_workers=16),
    interceptors=[CallbackRecorder()],
)


# Service invocation: called through the sidecar by other apps (JS, Java).
@app.method(name='echo')
def echo(request: InvokeMethodRequest):
    text = request.text()
    record('invoke', method='echo', data=decode(text), contentType=request.content_type)
    return json.dumps({'from': APP_ID, 'echo': decode(text)})


# Pub/sub routing with CEL rules (programmatic subscription through ListTopicSubscriptions).
# Rules are tried by priority; an event matching none of them is not delivered at all, because a
# gRPC app's subscription with rules has no default route unless it names one, which dapr-ext-grpc
# cannot express. orders_unrouted (the topic's path "") must therefore never be called.
@app.subscribe(PUBSUB, 'orders', rule=Rule('event.type == "com.tandem.widget"', 1))
def widgets(event):
    record('event', route='widgets', **event_fields(event))


@app.subscribe(PUBSUB, 'orders', rule=Rule('event.data.kind == "gadget"', 2))
def gadgets(event):
    record('event', route='gadgets', **event_fields(event))


@app.subscribe(PUBSUB, 'orders')
def orders_unrouted(event):
    record('event', route='orders_unrouted', **event_fields(event))


# Probed by the test until it arrives: then the sidecar has subscribed this app's topics.
@app.subscribe(PUBSUB, 'py-warmup')
def warmup(event):
    record('event', route='warmup', **event_fields(event))


# RETRY: the first delivery of each event asks for a retry, the next one succeeds.
_retried = set()
_retried_lock = threading.Lock()


@app.subscribe(PUBSUB, 'retry-topic')
def retry_topic(event):
    with _retried_lock:
        first = event.EventID() not in _retried
        _retried.add(event.EventID())
    status = 'retry' if first else 'success'
    record('event', route='retry-topic', answer=status, **event_fields(event))
    return TopicEventResponse(status)


# DROP: dropped, never redelivered; with a dead-letter topic, forwarded there.
@app.subscribe(PUBSUB, 'drop-topic', dead_letter_topic='drop-topic-dead')
def drop_topic(event):
    record('event', route='drop-topic', answer='drop', **event_fields(event))
    return TopicEventResponse('drop')


@app.subscribe(PUBSUB, 'drop-topic-dead')
def drop_topic_dead(event):
    record('event', route='drop-topic-dead', **event_fields(event))
    return TopicEventResponse('success')


# Input binding: a bindings.cron component named "tick" scoped to this app.
@app.binding('tick')
def tick(request: BindingRequest):
    record('binding', name='tick', data=decode(request.data))


# ---------------------------------------------------------------------------------------------
# Client side: DaprClient calls the test asks for through the control port.

_clients = {}
_clients_lock = threading.Lock()


def client(kind):
    """DaprClient invokes over HTTP (the SDK's default); DaprGrpcClient over gRPC InvokeService."""
    with _clients_lock:
        if kind not in _clients:
            _clients[kind] = DaprClient() if kind == 'http' else DaprGrpcClient()
        return _clients[kind]


_streams = {}


def run_invoke(req):
    protocol = req.get('protocol', 'http')
    res = client(protocol).invoke_method(
        app_id=req['appId'],
        method_name=req['method'],
        data=json.dumps(req.get('data')),
        content_type='application/json',
        http_verb=req.get('verb', 'POST'),
    )
    return {'data': decode(res.text()), 'contentType': res.content_type}


def run_binding(req):
    res = client('grpc').invoke_binding(
        binding_name=req['name'],
        operation=req['operation'],
        data=json.dumps(req.get('data')),
        binding_metadata=req.get('metadata') or {},
    )
    return {'data': decode(res.data), 'metadata': dict(res.binding_metadata)}


def run_stream_subscribe(req):
    topic = req['topic']
    seen = set()
    seen_lock = threading.Lock()

    def handler(message):
        # The first delivery of an event whose data asks for it is answered RETRY.
        data = decode(message.raw_data())
        with seen_lock:
            first = message.id() not in seen
            seen.add(message.id())
        wants_retry = isinstance(data, dict) and data.get('retryOnce') is True
        answer = 'retry' if (first and wants_retry) else 'success'
        record(
            'stream',
            topic=message.topic(),
            pubsub=message.pubsub_name(),
            id=message.id(),
            type=message.type(),
            source=message.source(),
            datacontenttype=message.data_content_type(),
            data=data,
            answer=answer,
        )
        return TopicEventResponse(answer)

    close = client('grpc').subscribe_with_handler(PUBSUB, topic, handler)
    _streams[topic] = close
    return {'subscribed': topic}


def run_stream_close(req):
    close = _streams.pop(req['topic'], None)
    if close:
        close()
    return {'closed': close is not None}


ACTIONS = {
    '/run/invoke': run_invoke,
    '/run/binding': run_binding,
    '/run/stream-subscribe': run_stream_subscribe,
    '/run/stream-close': run_stream_close,
}


class Control(BaseHTTPRequestHandler):
    def _answer(self, status, obj):
        body = json.dumps(obj, default=str).encode()
        self.send_response(status)
        self.send_header('content-type', 'application/json')
        self.send_header('content-length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == '/ready':
            self._answer(200, {'ready': True})
        else:
            self._answer(404, {'error': 'no such path'})

    def do_POST(self):
        action = ACTIONS.get(self.path)
        if action is None:
            self._answer(404, {'error': 'no such action'})
            return
        length = int(self.headers.get('content-length') or 0)
        req = json.loads(self.rfile.read(length) or b'{}')
        try:
            self._answer(200, {'ok': True, 'result': action(req)})
        except Exception as e:  # the test shows this to explain a failed client call
            log.error('%s failed: %s', self.path, e)
            details = getattr(e, 'details', None)
            self._answer(
                200,
                {
                    'ok': False,
                    'error': f'{type(e).__name__}: {e}',
                    'details': details() if callable(details) else None,
                    'trace': traceback.format_exc(),
                },
            )

    def log_message(self, fmt, *args):
        log.info('control: ' + fmt, *args)


def exit_with_parent():
    """Ends this process when the test that started it is gone (it is then re-parented)."""
    parent = os.getppid()
    while True:
        time.sleep(1)
        if os.getppid() != parent:
            os._exit(0)


def main():
    threading.Thread(target=exit_with_parent, daemon=True).start()
    control = ThreadingHTTPServer(('127.0.0.1', CONTROL_PORT), Control)
    threading.Thread(target=control.serve_forever, daemon=True).start()
    log.info('gRPC app on %d, control on %d', APP_PORT, CONTROL_PORT)
    app.run(APP_PORT, listen_address='127.0.0.1')


if __name__ == '__main__':
    main()
