#!/usr/bin/python3
"""The node service as a third-party client sees it: a Python client generated from
engine/rpc/proto/node_service.proto (Debian's protoc and grpc_python_plugin), run against a real
`twb-engine serve` over a unix socket and over TCP with TLS, checking what docs/protocol.md
promises: every method, authentication failures, bad requests, resumed watches and the state the
last batch of a stream carries.

    tests/conformance/node_conformance.py --engine build/release/engine/twb-engine [-v]
"""
import argparse
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

import grpc

ROOT = pathlib.Path(__file__).resolve().parents[2]
PROTO = ROOT / "engine/rpc/proto/node_service.proto"
EXAMPLE = ROOT / "resources/examples/fmnist-mlp.json"
TOKEN = "conformance-token-7f3a"
ENGINE = None  # set from --engine


def generate_stubs(out):
    """node_service_pb2 and node_service_pb2_grpc, made by the system protoc, importable."""
    subprocess.run(["protoc", f"-I{ROOT}", f"--python_out={out}", f"--grpc_out={out}",
                    "--plugin=protoc-gen-grpc=/usr/bin/grpc_python_plugin", str(PROTO)],
                   check=True)
    sys.path.insert(0, str(out))
    from engine.rpc.proto import node_service_pb2, node_service_pb2_grpc  # noqa: E402
    return node_service_pb2, node_service_pb2_grpc


def short_job(steps, name="conformance"):
    job = json.loads(EXAMPLE.read_text())
    job.update(name=name, epochs=0, max_steps=steps, log_every_steps=1,
               eval={"every_epoch": False}, checkpoint={"every_steps": 2, "keep": 2})
    return json.dumps(job)


class Daemon:
    """`twb-engine serve` on LISTEN with the suite's token, stopped by close()."""

    def __init__(self, listen, folder):
        token = pathlib.Path(folder) / "token"
        token.write_text(TOKEN + "\n")
        token.chmod(0o600)
        self.data = pathlib.Path(folder) / "data"
        self.process = subprocess.Popen(
            [ENGINE, "serve", "--listen", listen, "--data-dir", str(self.data), "--token-file",
             str(token)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        printed = []
        for line in self.process.stdout:
            printed.append(line)
            found = re.search(r"serving on (\S+)", line)
            if found:
                self.address = found.group(1)
                return
        raise RuntimeError("twb-engine serve did not start:\n" + "".join(printed))

    def close(self):
        self.process.terminate()
        self.process.wait(10)
        self.process.stdout.close()


class Conformance:
    """The cases, run once per transport by the subclasses below (setUpClass makes `channel`)."""
    pb = grpc_pb = None
    channel = daemon = folder = None

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        cls.daemon.close()
        cls.folder.cleanup()

    def stub(self):
        return self.grpc_pb.NodeServiceStub(self.channel)

    def call(self, method, request, token=TOKEN):
        metadata = [("authorization", f"Bearer {token}")] if token is not None else []
        return getattr(self.stub(), method)(request, metadata=metadata, timeout=60)

    def submit(self, job_json, **fields):
        return self.call("SubmitJob", self.pb.SubmitJobRequest(
            train=self.pb.TrainJob(job_json=job_json), **fields))

    def watch(self, job_id, after_seq=0, stop_after=None):
        """(events, the state of the last batch) of a WatchJob stream; `stop_after` events, the
        client cancels it."""
        stream = self.call("WatchJob", self.pb.WatchJobRequest(id=job_id, after_seq=after_seq))
        events, state = [], None
        for batch in stream:
            state = batch.state
            for event in batch.events:
                events.append(event)
                if stop_after is not None and len(events) >= stop_after:
                    stream.cancel()
                    return events, state
        return events, state

    def wait_state(self, job_id, states, seconds=120):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            status = self.call("GetJob", self.pb.GetJobRequest(id=job_id))
            if status.state in states:
                return status
            time.sleep(0.05)
        self.fail(f"job {job_id} still {status.state} after {seconds} s")

    def assertCode(self, code, text, call):
        with self.assertRaises(grpc.RpcError) as raised:
            result = call()
            if hasattr(result, "__iter__") and not hasattr(result, "ListFields"):
                list(result)  # a stream fails on its first read
        self.assertEqual(raised.exception.code(), code, raised.exception.details())
        self.assertIn(text, raised.exception.details())

    # --- methods ---------------------------------------------------------------------------

    def test_node_info(self):
        info = self.call("GetNodeInfo", self.pb.GetNodeInfoRequest())
        self.assertEqual(info.protocol, "twb.node.v1")
        self.assertGreater(info.logical_cores, 0)
        self.assertGreater(info.memory_bytes, 0)
        self.assertTrue(info.engine_version)
        self.assertIn("fp32", info.precisions)
        self.assertIn("fp32", [peak.precision for peak in info.peaks])
        self.assertTrue(all(peak.gflops > 0 for peak in info.peaks))

    def test_op_catalog(self):
        catalog = self.call("GetOpCatalog", self.pb.GetOpCatalogRequest())
        ops = {op.name: op for op in catalog.ops}
        self.assertIn("Conv2d", ops)
        self.assertIn("mlp", catalog.templates)
        for attribute in ops["Conv2d"].attributes:
            json.loads(attribute.default_json)  # every default is JSON

    def test_validate_job(self):
        good = self.call("ValidateJob", self.pb.ValidateJobRequest(job_json=short_job(5)))
        self.assertTrue(good.ok, good.problems)
        self.assertEqual(good.parameters, 784 * 512 + 512 + 512 * 256 + 256 + 256 * 10 + 10)
        self.assertEqual(list(good.output_shape), [10])
        self.assertEqual(good.total_steps, 5)
        bad = json.loads(short_job(5))
        bad["batch"] = "many"
        answer = self.call("ValidateJob", self.pb.ValidateJobRequest(job_json=json.dumps(bad)))
        self.assertFalse(answer.ok)
        self.assertEqual([p.path for p in answer.problems], ["batch"])
        self.assertIn("must be an integer", answer.problems[0].message)

    def test_train_watch_artifacts(self):
        status = self.submit(short_job(6, "watched"))
        self.assertRegex(status.id, r"^j\d{4}$")
        self.assertEqual(status.kind, "train")
        self.assertIn(status.state, (self.pb.QUEUED, self.pb.RUNNING))
        events, final = self.watch(status.id)
        self.assertEqual([e.seq for e in events], list(range(1, len(events) + 1)))
        last = json.loads(events[-1].json)
        self.assertEqual((events[-1].type, last["state"]), ("state", "succeeded"))
        self.assertEqual(final, self.pb.SUCCEEDED, "the last batch carries the final state")
        steps = [json.loads(e.json)["step"] for e in events if e.type == "step"]
        self.assertEqual(steps, [1, 2, 3, 4, 5, 6])

        done = self.call("GetJob", self.pb.GetJobRequest(id=status.id))
        self.assertEqual((done.state, done.last_seq, done.exit_code), (self.pb.SUCCEEDED,
                                                                        events[-1].seq, 0))
        self.assertLessEqual(done.submitted_time, done.started_time)
        self.assertLessEqual(done.started_time, done.finished_time)
        listed = self.call("ListJobs", self.pb.ListJobsRequest()).jobs
        self.assertIn(status.id, [job.id for job in listed])

        # Resumed: after any seq, exactly the rest; after the last, an empty final batch.
        middle = events[len(events) // 2].seq
        rest, final = self.watch(status.id, after_seq=middle)
        self.assertEqual([e.seq for e in rest], list(range(middle + 1, events[-1].seq + 1)))
        self.assertEqual(final, self.pb.SUCCEEDED)
        nothing, final = self.watch(status.id, after_seq=events[-1].seq)
        self.assertEqual((nothing, final), ([], self.pb.SUCCEEDED))

        artifacts = {a.name: a.size_bytes for a in self.call(
            "ListArtifacts", self.pb.ListArtifactsRequest(id=status.id)).artifacts}
        self.assertIn("model.twbm", artifacts)
        self.assertTrue(any(name.startswith("checkpoints/") for name in artifacts))
        chunks = list(self.call("DownloadArtifact", self.pb.DownloadArtifactRequest(
            id=status.id, name="model.twbm")))
        whole = b"".join(c.data for c in chunks)
        self.assertEqual(len(whole), artifacts["model.twbm"])
        self.assertEqual(chunks[-1].total_bytes, len(whole))
        tail = b"".join(c.data for c in self.call("DownloadArtifact", self.pb.DownloadArtifactRequest(
            id=status.id, name="model.twbm", offset=1000)))
        self.assertEqual(tail, whole[1000:])
        self.assertCode(grpc.StatusCode.INVALID_ARGUMENT, "name", lambda: self.call(
            "DownloadArtifact", self.pb.DownloadArtifactRequest(id=status.id, name="../job.json")))

        # An export job reading the trained model, then a train job resuming from its checkpoint.
        export = self.call("SubmitJob", self.pb.SubmitJobRequest(export=self.pb.ExportJob(
            model=self.pb.ModelSource(job=status.id), format="onnx")))
        self.assertEqual(self.wait_state(export.id, (self.pb.SUCCEEDED, self.pb.FAILED)).state,
                         self.pb.SUCCEEDED)
        names = [a.name for a in self.call(
            "ListArtifacts", self.pb.ListArtifactsRequest(id=export.id)).artifacts]
        self.assertTrue(any(name.endswith(".onnx") for name in names), names)

    def test_watch_resumed_after_the_client_drops_it(self):
        status = self.submit(short_job(8, "dropped"))
        first, _ = self.watch(status.id, stop_after=3)
        rest, final = self.watch(status.id, after_seq=first[-1].seq)
        seqs = [e.seq for e in first + rest]
        self.assertEqual(seqs, list(range(1, len(seqs) + 1)), "every event exactly once")
        self.assertEqual(final, self.pb.SUCCEEDED)

    def test_cancel(self):
        status = self.submit(short_job(100000, "cancelled"))
        self.wait_state(status.id, (self.pb.RUNNING,))
        self.call("CancelJob", self.pb.CancelJobRequest(id=status.id))
        ended = self.wait_state(status.id, (self.pb.CANCELLED, self.pb.FAILED, self.pb.LOST))
        self.assertEqual(ended.state, self.pb.CANCELLED, ended.reason)
        events, final = self.watch(status.id)
        self.assertEqual(json.loads(events[-1].json)["state"], "cancelled")
        self.assertEqual(final, self.pb.CANCELLED)
        again = self.call("CancelJob", self.pb.CancelJobRequest(id=status.id))
        self.assertEqual(again.state, self.pb.CANCELLED, "a finished job is left as it is")

    # --- failures -------------------------------------------------------------------------

    def test_every_method_needs_the_token(self):
        pb = self.pb
        requests = {"GetNodeInfo": pb.GetNodeInfoRequest(), "GetOpCatalog": pb.GetOpCatalogRequest(),
                    "ValidateJob": pb.ValidateJobRequest(job_json=short_job(1)),
                    "SubmitJob": pb.SubmitJobRequest(train=pb.TrainJob(job_json=short_job(1))),
                    "CancelJob": pb.CancelJobRequest(id="j0001"), "GetJob": pb.GetJobRequest(id="j0001"),
                    "ListJobs": pb.ListJobsRequest(), "WatchJob": pb.WatchJobRequest(id="j0001"),
                    "ListArtifacts": pb.ListArtifactsRequest(id="j0001"),
                    "DownloadArtifact": pb.DownloadArtifactRequest(id="j0001", name="model.twbm")}
        self.assertEqual(set(requests), set(pb.DESCRIPTOR.services_by_name["NodeService"]
                                            .methods_by_name), "a method the suite does not cover")
        before = len(self.call("ListJobs", pb.ListJobsRequest()).jobs)
        for method, request in requests.items():
            with self.subTest(method=method):
                self.assertCode(grpc.StatusCode.UNAUTHENTICATED, "this node requires a token",
                                lambda: self.call(method, request, token=None))
                self.assertCode(grpc.StatusCode.UNAUTHENTICATED, "wrong token",
                                lambda: self.call(method, request, token=TOKEN[:-1] + "b"))
        self.assertEqual(len(self.call("ListJobs", pb.ListJobsRequest()).jobs), before,
                         "a submission without the token queued a job")

    def test_bad_requests(self):
        pb = self.pb
        self.assertCode(grpc.StatusCode.NOT_FOUND, "no job 'j9999'",
                        lambda: self.call("GetJob", pb.GetJobRequest(id="j9999")))
        self.assertCode(grpc.StatusCode.NOT_FOUND, "j9999",
                        lambda: self.call("WatchJob", pb.WatchJobRequest(id="j9999")))
        self.assertCode(grpc.StatusCode.NOT_FOUND, "j9999",
                        lambda: self.call("CancelJob", pb.CancelJobRequest(id="j9999")))
        self.assertCode(grpc.StatusCode.INVALID_ARGUMENT, "job",
                        lambda: self.submit("{not json"))
        bad = json.loads(short_job(1))
        bad["batch"] = "many"
        self.assertCode(grpc.StatusCode.INVALID_ARGUMENT, "batch: must be an integer",
                        lambda: self.submit(json.dumps(bad)))
        self.assertCode(grpc.StatusCode.INVALID_ARGUMENT, "",
                        lambda: self.call("SubmitJob", pb.SubmitJobRequest()))
        resuming = pb.SubmitJobRequest(train=pb.TrainJob(job_json=short_job(1), resume_job="j9999"))
        self.assertCode(grpc.StatusCode.INVALID_ARGUMENT, "resume_job",
                        lambda: self.call("SubmitJob", resuming))
        escaping = pb.SubmitJobRequest(train=pb.TrainJob(job_json=short_job(1)),
                                       files=[pb.JobFile(name="../outside", content=b"x")])
        self.assertCode(grpc.StatusCode.INVALID_ARGUMENT, "../outside",
                        lambda: self.call("SubmitJob", escaping))

    def test_refused_submissions_take_no_job_id(self):
        first = self.submit(short_job(1, "before"))
        bad = json.loads(short_job(1))
        bad["batch"] = 0
        for _ in range(3):
            with self.assertRaises(grpc.RpcError):
                self.submit(json.dumps(bad))
        second = self.submit(short_job(1, "after"))
        self.assertEqual(int(second.id[1:]), int(first.id[1:]) + 1, (first.id, second.id))
        for job in (first, second):
            self.wait_state(job.id, (self.pb.SUCCEEDED,))

    def test_a_submission_asked_again_makes_one_job(self):
        submission = str(uuid.uuid4())
        first = self.submit(short_job(1, "idempotent"), submission_id=submission)
        again = self.submit(short_job(1, "idempotent"), submission_id=submission)
        self.assertEqual(again.id, first.id)
        self.assertEqual(again.submission_id, submission)
        listed = self.call("ListJobs", self.pb.ListJobsRequest()).jobs
        self.assertEqual([job.id for job in listed if job.submission_id == submission], [first.id])
        other = self.submit(short_job(1, "idempotent"), submission_id=str(uuid.uuid4()))
        self.assertNotEqual(other.id, first.id)
        for job in (first, other):
            self.wait_state(job.id, (self.pb.SUCCEEDED,))


class OverUnixSocket(Conformance, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.TemporaryDirectory()
        os.chmod(cls.folder.name, 0o700)
        cls.daemon = Daemon(f"unix:{cls.folder.name}/run/node.sock", cls.folder.name)
        cls.channel = grpc.insecure_channel(cls.daemon.address)


class OverTls(Conformance, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.TemporaryDirectory()
        cls.daemon = Daemon("tcp:127.0.0.1:0", cls.folder.name)
        pinned = (cls.daemon.data / "tls/node.crt").read_bytes()
        credentials = grpc.ssl_channel_credentials(root_certificates=pinned)
        cls.channel = grpc.secure_channel(cls.daemon.address.removeprefix("tcp:"), credentials,
                                          options=[("grpc.ssl_target_name_override", "twb-node")])

    def test_an_unpinned_certificate_is_refused(self):
        """A client trusting another certificate (the one of another node) does not connect."""
        with tempfile.TemporaryDirectory() as other:
            stranger = Daemon("tcp:127.0.0.1:0", other)
            try:
                wrong = (stranger.data / "tls/node.crt").read_bytes()
            finally:
                stranger.close()
        channel = grpc.secure_channel(self.daemon.address.removeprefix("tcp:"),
                                      grpc.ssl_channel_credentials(root_certificates=wrong),
                                      options=[("grpc.ssl_target_name_override", "twb-node")])
        stub = self.grpc_pb.NodeServiceStub(channel)
        with self.assertRaises(grpc.RpcError) as raised:
            stub.GetNodeInfo(self.pb.GetNodeInfoRequest(),
                             metadata=[("authorization", f"Bearer {TOKEN}")], timeout=10)
        self.assertEqual(raised.exception.code(), grpc.StatusCode.UNAVAILABLE)
        channel.close()


def main():
    global ENGINE
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", required=True, help="the twb-engine binary to serve with")
    options, rest = parser.parse_known_args()
    ENGINE = options.engine
    with tempfile.TemporaryDirectory() as stubs:
        Conformance.pb, Conformance.grpc_pb = generate_stubs(stubs)
        program = unittest.main(argv=[sys.argv[0]] + rest, exit=False)
    sys.exit(0 if program.result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
