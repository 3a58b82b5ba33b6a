#!/usr/bin/env bash
# The GPU figures of the benchmark (ViT-S steps/s, step ratio, utilisation, data wait) in one short run, for a
# CUDA machine whose python has torch but not this project's venv (a lent GPU machine, a cluster node):
#
#   bash benchmarks/gpu_check.sh [COPY_TO]
#
# It writes benchmarks/out/speed/train_gpu.json (report.py puts it in RESULTS.md) and copies it to COPY_TO (or
# $OUT when set). The GPU path needs torch and numpy only: no rasterio, pyproj, shapely or QGIS. The same path runs
# on the CPU at a toy size in every `bench_train.py` run, so it is known to work before GPU time is spent on it.
# About 2 min on an H200: 3 repeats of 60 steps of each method at 64 + 448 tiles of 128 px, in the engine and in a
# plain PyTorch loop of the same maths (the compute floor the engine's ratio is compared with).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-python3}"
copy_to="${1:-${OUT:-}}"
# The engine is imported as the package `spatiotemporal_ssl` (pyproject maps it to the repository root); without
# an installed copy, a link named so on PYTHONPATH does the same.
pkg="$(mktemp -d)"
trap 'rm -rf "$pkg"' EXIT
ln -s "$root" "$pkg/spatiotemporal_ssl"
cd "$root"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
PYTHONPATH="$pkg${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 "$python" benchmarks/bench_train.py --gpu-vit
if [ -n "$copy_to" ]; then
    cp benchmarks/out/speed/train_gpu.json "$copy_to/"
fi
