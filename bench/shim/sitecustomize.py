"""Benchmark only: `python -m bench.run` puts this folder on the PYTHONPATH of the Rasa servers of the
targets marked "+speedups", so that ops.speedups is measured inside real servers before
channels/rest.py installs it itself. Never on the PYTHONPATH of anything else."""
import os

if os.environ.get("CLINIC_SPEEDUPS") == "1":
    import ops.speedups

    ops.speedups.install()
