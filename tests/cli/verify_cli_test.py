"""`tensorio verify`: every problem line carries its error code like any other failure
("NAME: error [CODE]: FILE: offset N: ..."), CRC and DEFLATE failures of npz members included;
a failure at open is the command's own "tensorio verify: error [CODE]: ..." line."""
import re
import subprocess
import sys

CLI, CORPUS = sys.argv[1], sys.argv[2]

CASES = {  # file under tests/corpus -> the code every problem line must carry
    "npz/bad/bad_checksum__bad_crc_stored.npz": "bad_checksum",
    "npz/bad/bad_checksum__bad_crc_deflated.npz": "bad_checksum",
    "npz/bad/bad_compressed_data__corrupt_deflate.npz": "bad_compressed_data",
    "npy/bad/truncated__payload.npy": "truncated",
}


def main():
    for rel, code in CASES.items():
        p = subprocess.run([CLI, "verify", f"{CORPUS}/{rel}"], capture_output=True, text=True)
        assert p.returncode == 1, (rel, p.returncode, p.stdout, p.stderr)
        lines = p.stderr.splitlines()
        assert lines, (rel, p.stderr)
        for line in lines:
            assert re.match(r"^(.*: )?error \[[a-z_0-9]+\]: ", line), (rel, line)
            assert f"error [{code}]: " in line, (rel, code, line)
            assert rel.split("/")[-1] in line, (rel, line)  # the file is named
    p = subprocess.run([CLI, "verify", f"{CORPUS}/npz/good/numpy_savez.npz"], capture_output=True,
                       text=True)
    assert p.returncode == 0 and not p.stderr, (p.returncode, p.stderr)
    print("verify problem lines: ok")


if __name__ == "__main__":
    main()
