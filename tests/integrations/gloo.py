"""Run a script as two ``torch.distributed`` ranks on gloo, in fresh processes."""

import os
import subprocess
import sys


def run_two_ranks(script, tmp_path, *, timeout=180):
    """Run ``script`` (argv: rank, file store) as ranks 0 and 1; return their stdout.

    Fails the calling test with a rank's stderr if it exits non-zero.
    """
    path = tmp_path / "ddp.py"
    path.write_text(script)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    procs = [
        subprocess.Popen(
            [sys.executable, str(path), str(rank), str(tmp_path / "store")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for rank in range(2)
    ]
    outs = [p.communicate(timeout=timeout) for p in procs]
    for p, (_, err) in zip(procs, outs):
        assert p.returncode == 0, err
    return [out for out, _ in outs]
