"""`tensorio bench`: the --json contract (exact keys and types, medians that make sense), a
directory of .npy files as one checkpoint, --cold naming its method, and usage errors."""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

CLI = sys.argv[1]


def run(*args, expect=0):
    p = subprocess.run([CLI, "bench", *args], capture_output=True, text=True)
    assert p.returncode == expect, (args, p.returncode, p.stdout, p.stderr)
    return p


def main():
    with tempfile.TemporaryDirectory(prefix="tensorio-bench-cli-") as work:
        rng = np.random.default_rng(0)
        one = os.path.join(work, "w.npy")
        np.save(one, rng.standard_normal((256, 1024)).astype(np.float32))
        folder = os.path.join(work, "ckpt")
        os.mkdir(folder)
        np.save(os.path.join(folder, "a.npy"), rng.standard_normal(1000).astype(np.float16))
        np.save(os.path.join(folder, "b.npy"), rng.standard_normal((3, 5)).astype(">f8"))

        out = json.loads(run("--json", "--runs", "2", one, folder).stdout)
        assert set(out) == {"limits", "files"}, out
        assert set(out["limits"]) == {"sum_gbps", "read_gbps", "write_gbps"}, out
        for v in out["limits"].values():
            assert isinstance(v, float) and v > 0, out
        assert [f["path"] for f in out["files"]] == [one, folder]
        keys = {"path", "format", "bytes", "tensors", "open_us", "touch_gbps", "read_into_gbps",
                "cold"}
        for f in out["files"]:
            assert set(f) == keys, f
            assert f["format"] == "npy" and f["cold"] is False
            assert f["open_us"] > 0 and f["touch_gbps"] > 0 and f["read_into_gbps"] > 0, f
        assert out["files"][0]["bytes"] == 256 * 1024 * 4 and out["files"][0]["tensors"] == 1
        assert out["files"][1]["bytes"] == 1000 * 2 + 15 * 8 and out["files"][1]["tensors"] == 2

        text = run("--cold", "--runs", "1", "--no-save", "--path", "direct", one).stdout
        assert "cold: page cache dropped before each step with " in text, text
        assert "read_into" in text and "x plain read()" in text, text
        assert "plain map" in text and "x first touch through the plain mapping" in text, text
        assert "save" not in text.split("read path")[1], text

        # Saves leave nothing behind beside the file.
        assert sorted(os.listdir(work)) == ["ckpt", "w.npy"], os.listdir(work)

        run("--path", "bogus", one, expect=2)
        run("--runs", "0", one, expect=2)
        run(expect=2)
        err = run(os.path.join(work, "missing.npy"), expect=1).stderr
        assert "file_not_found" in err, err
    print("ok")


main()
