#!/usr/bin/env bash
# The GPU checks of the engine, as one script for a lent GPU machine (the `device` tool):
#   bash benchmarks/gpu_check.sh .gpu/mnist
# with the four MNIST gz files copied to .gpu/mnist and carried. Results land in $OUT.
set -uo pipefail
export PLAYGROUND_MNIST_DIR="${1:-.gpu/mnist}" PYTHONUNBUFFERED=1
OUT="${OUT:-/tmp/gpu-out}"
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
python3 -c "import torch, torchvision; print('torch', torch.__version__, 'torchvision', torchvision.__version__, 'cuda', torch.cuda.is_available())"
python3 -m pytest -q -x tests/test_models.py tests/test_catalog.py 2>&1 | tail -3
python3 -m benchmarks.bench_accuracy --device cuda --presets seed-cnn bn-cnn --runs-out /tmp/gpu-runs 2>&1 | tee "$OUT/log.txt"
cp /tmp/gpu-runs/accuracy-cuda-seed-cnn-bn-cnn.json "$OUT/"
cp BENCHMARKS.md "$OUT/BENCHMARKS.md"
