"""moviestyle harness: generation, judging, orchestration and the CLI."""

__version__ = "0.1.0"
