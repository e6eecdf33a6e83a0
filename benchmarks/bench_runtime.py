"""Runtime benchmark, per Keras backend: import time, check_model per model, the cold cost of `confirm`.

    python benchmarks/bench_runtime.py [--repeat 30] [--backends numpy,jax,tensorflow]

Goals: check_model at most 15 ms on the seed model and on a 10-layer MLP once Keras is
imported; `confirm` on one file at most 1.5 s cold where JAX is installed (the command then
picks Keras's NumPy backend, see backends.py). Beside each check_model figure, one bare
forward pass of the same batch: the floor that Keras's per-layer call overhead sets.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

IMPORT_PROBE = textwrap.dedent(
    """
    import json, resource, time
    start = time.perf_counter()
    import keras
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "backend": keras.backend.backend(), "version": keras.__version__,
                      "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
    """
)


def _env(backend: str | None) -> dict[str, str]:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    env.pop("KERAS_BACKEND", None)
    if backend:
        env["KERAS_BACKEND"] = backend
    return env


def import_time(backend: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE], capture_output=True, text=True, env=_env(backend), check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def check_model_times(repeat: int) -> dict[str, dict[str, float]]:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tracemalloc

    import keras
    from keras import layers

    from flake8_keras_activation.runtime import check_model

    # the seed model of the issue: linear on purpose
    seed = keras.Sequential(  # noqa: KA103
        [
            keras.Input(shape=(2,)),
            layers.Dense(20),  # noqa: KA101
            layers.Dense(100),  # noqa: KA101
            layers.Dense(1000),  # noqa: KA101
            layers.Dense(100),
        ]
    )
    mlp = keras.Sequential(
        [keras.Input(shape=(32,))]
        + [layers.Dense(64, activation="relu") for _ in range(9)]
        + [layers.Dense(1)]
    )
    hidden = [layers.Dense(64) for _ in range(9)]  # noqa: KA101  (linear on purpose)
    linear_mlp = keras.Sequential([keras.Input(shape=(32,))] + hidden + [layers.Dense(1)])  # noqa: KA103
    models = {"seed model (4 Dense, affine)": seed, "10-layer MLP (relu)": mlp, "10-layer MLP (linear)": linear_mlp}
    import numpy as np

    out = {}
    for name, model in models.items():
        check_model(model)  # first call: the backend's one-off set-up for this model
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            check_model(model)
            times.append(time.perf_counter() - start)
        # the floor: one plain call on a batch of the trial rows' size (25 rows)
        batch = keras.ops.convert_to_tensor(np.ones((25, model.inputs[0].shape[1]), dtype="float32"))
        forward = []
        for _ in range(repeat):
            start = time.perf_counter()
            model(batch, training=False)
            forward.append(time.perf_counter() - start)
        tracemalloc.start()
        check_model(model)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        out[name] = {
            "median_ms": statistics.median(times) * 1000,
            "min_ms": min(times) * 1000,
            "peak_mib": peak / 2**20,
            "forward_ms": statistics.median(forward) * 1000,
        }
    return out


def confirm_cold(backend: str | None) -> dict[str, float]:
    """`flake8-keras-activation confirm examples/collapsed_mlp.py` in a fresh process: wall time and max RSS."""
    wrapper = textwrap.dedent(
        """
        import json, resource, subprocess, sys, time
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "flake8_keras_activation", "confirm", sys.argv[1]],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print(json.dumps({"seconds": time.perf_counter() - start,
                          "rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
        """
    )
    runs = []
    for _ in range(3):
        result = subprocess.run(
            [sys.executable, "-c", wrapper, str(ROOT / "examples" / "collapsed_mlp.py")],
            capture_output=True,
            text=True,
            check=True,
            env=_env(backend),
        )
        runs.append(json.loads(result.stdout.strip().splitlines()[-1]))
    return {
        "median_s": statistics.median(r["seconds"] for r in runs),
        "max_rss_mib": max(r["rss_mib"] for r in runs),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--backends", default="numpy,jax,tensorflow")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # check_model figures of one backend, as JSON
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(check_model_times(args.repeat)))
        return 0
    cold = confirm_cold(None)
    print(f"confirm, cold, the backend it picks itself: {cold['median_s']:.2f} s, max RSS {cold['max_rss_mib']:.0f} MiB"
          "   goal <= 1.5 s where JAX is installed")
    for backend in args.backends.split(","):
        imported = import_time(backend)
        print(
            f"[{backend}] import keras (Keras {imported['version']}): "
            f"{imported['seconds']:.2f} s, {imported['rss_mib']:.0f} MiB"
        )
        result = subprocess.run(
            [sys.executable, __file__, "--child", backend, "--repeat", str(args.repeat)],
            capture_output=True, text=True, check=True, env=_env(backend),
        )
        for name, figures in json.loads(result.stdout.strip().splitlines()[-1]).items():
            print(
                f"[{backend}] check_model on the {name}: median {figures['median_ms']:.1f} ms "
                f"(min {figures['min_ms']:.1f}; one bare forward pass {figures['forward_ms']:.1f}), "
                f"peak traced {figures['peak_mib']:.1f} MiB   goal <= 15 ms"
            )
        cold = confirm_cold(backend)
        print(f"[{backend}] confirm, cold: {cold['median_s']:.2f} s, max RSS {cold['max_rss_mib']:.0f} MiB")
    print(f"this process: max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
