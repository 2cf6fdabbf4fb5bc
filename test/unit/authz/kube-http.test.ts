import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  inClusterSpec,
  LineSplitter,
  resolveKubeconfig,
  specFromKubeConfig,
  statusMessage,
} from "../../../authz-server/plan-source/kube-http.ts";

const cluster = (name: string, server: string, extra: Record<string, unknown> = {}) => ({
  name,
  cluster: { server, ...extra },
});

describe("resolveKubeconfig", () => {
  it("takes the current context's cluster and token user", () => {
    const spec = resolveKubeconfig([
      {
        path: "/etc/kube/config",
        doc: {
          "current-context": "b",
          clusters: [
            cluster("one", "https://one:6443"),
            cluster("two", "https://two:6443", { "certificate-authority-data": "Q0E=" }),
          ],
          users: [{ name: "u", user: { token: "secret" } }],
          contexts: [
            { name: "a", context: { cluster: "one", user: "u" } },
            { name: "b", context: { cluster: "two", user: "u" } },
          ],
        },
      },
    ]);
    assert.deepEqual(spec, {
      origin: "kubeconfig /etc/kube/config",
      server: "https://two:6443",
      caData: "Q0E=",
      token: "secret",
    });
  });

  it("resolves relative file references against the file that holds them", () => {
    const spec = resolveKubeconfig([
      {
        path: "/a/config",
        doc: {
          "current-context": "c",
          contexts: [{ name: "c", context: { cluster: "k", user: "cert" } }],
          clusters: [cluster("k", "https://k", { "certificate-authority": "ca.pem" })],
        },
      },
      {
        path: "/b/dir/config",
        doc: {
          "current-context": "ignored",
          users: [
            {
              name: "cert",
              user: { "client-certificate": "../crt.pem", "client-key": "/abs/key.pem" },
            },
          ],
          clusters: [cluster("k", "https://shadowed")],
        },
      },
    ]);
    assert.equal(spec.server, "https://k");
    assert.equal(spec.caFile, "/a/ca.pem");
    assert.equal(spec.certFile, "/b/crt.pem");
    assert.equal(spec.keyFile, "/abs/key.pem");
    assert.equal(spec.token, undefined);
  });

  it("keeps inline client certificates and the skip-verify flag", () => {
    const spec = resolveKubeconfig([
      {
        path: "/c",
        doc: {
          "current-context": "x",
          contexts: [{ name: "x", context: { cluster: "k", user: "u" } }],
          clusters: [cluster("k", "https://k", { "insecure-skip-tls-verify": true })],
          users: [
            { name: "u", user: { "client-certificate-data": "Qw==", "client-key-data": "Sw==" } },
          ],
        },
      },
    ]);
    assert.equal(spec.certData, "Qw==");
    assert.equal(spec.keyData, "Sw==");
    assert.equal(spec.insecureSkipTlsVerify, true);
  });

  it("says what is missing", () => {
    assert.throws(() => resolveKubeconfig([{ path: "/e", doc: {} }]), /no current-context/);
    assert.throws(
      () => resolveKubeconfig([{ path: "/e", doc: { "current-context": "nope" } }]),
      /context 'nope' is not defined/,
    );
    assert.throws(
      () =>
        resolveKubeconfig([
          {
            path: "/e",
            doc: {
              "current-context": "x",
              contexts: [{ name: "x", context: { cluster: "k", user: "u" } }],
              clusters: [cluster("k", "https://k")],
              users: [{ name: "u", user: { exec: { command: "aws" } } }],
            },
          },
        ]),
      /exec plugin/,
    );
    assert.throws(() => resolveKubeconfig([{ path: "/e", doc: "text" }]), /not a YAML mapping/);
  });
});

describe("inClusterSpec", () => {
  it("uses the service host and the mounted ServiceAccount files", () => {
    assert.deepEqual(
      inClusterSpec({ KUBERNETES_SERVICE_HOST: "10.0.0.1", KUBERNETES_SERVICE_PORT: "443" }, "/sa"),
      {
        origin: "in-cluster",
        server: "https://10.0.0.1:443",
        caFile: "/sa/ca.crt",
        tokenFile: "/sa/token",
      },
    );
    assert.equal(
      inClusterSpec({ KUBERNETES_SERVICE_HOST: "fd00::1", KUBERNETES_SERVICE_PORT: "443" }).server,
      "https://[fd00::1]:443",
    );
    assert.throws(() => inClusterSpec({}), /not in a cluster/);
  });
});

describe("specFromKubeConfig", () => {
  it("reads a client-node KubeConfig's current cluster and user", () => {
    const spec = specFromKubeConfig({
      getCurrentCluster: () => ({ server: "https://k", caData: "Q0E=", skipTLSVerify: false }),
      getCurrentUser: () => ({ name: "u", token: "t" }),
    });
    assert.deepEqual(spec, {
      origin: "KubeConfig",
      server: "https://k",
      caData: "Q0E=",
      token: "t",
    });
    const inCluster = specFromKubeConfig({
      getCurrentCluster: () => ({ server: "https://k" }),
      getCurrentUser: () => ({ authProvider: { name: "tokenFile", config: { tokenFile: "/t" } } }),
    });
    assert.equal(inCluster.tokenFile, "/t");
  });
});

describe("LineSplitter", () => {
  const lines = (s: LineSplitter, ...chunks: string[]) =>
    chunks.flatMap((c) => s.push(Buffer.from(c)));

  it("splits events across and within chunks", () => {
    const s = new LineSplitter(1024);
    assert.deepEqual(lines(s, '{"a":', '1}\n{"b":2}\n{"c"', ":3}\n\n"), [
      '{"a":1}',
      '{"b":2}',
      '{"c":3}',
    ]);
    assert.deepEqual(lines(s, '{"d":4}'), []);
    assert.deepEqual(s.flush(), ['{"d":4}']);
    assert.deepEqual(s.flush(), []);
  });

  it("keeps a multi-byte character split between chunks intact", () => {
    const s = new LineSplitter(1024);
    const bytes = Buffer.from('"é"\n');
    assert.deepEqual([...s.push(bytes.subarray(0, 2)), ...s.push(bytes.subarray(2))], ['"é"']);
  });

  it("refuses a line longer than its bound", () => {
    const s = new LineSplitter(8);
    assert.throws(() => lines(s, "12345", "6789"), /longer than 8 bytes/);
    assert.deepEqual(lines(s, "ok\n"), ["ok"]);
  });
});

describe("statusMessage", () => {
  it("reads a Status body's message", () => {
    assert.equal(statusMessage('{"kind":"Status","message":"forbidden","code":403}'), "forbidden");
    assert.equal(statusMessage("<html>"), undefined);
  });
});
