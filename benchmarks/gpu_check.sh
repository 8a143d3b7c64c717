#!/usr/bin/env bash
# The GPU checks, as one prepared script for a lent GPU machine (the `device` tool), within
# 8 minutes on an H200:
#   bash benchmarks/gpu_check.sh .gpu/mnist
# with the four MNIST gz files copied to .gpu/mnist and carried. Results land in $OUT:
#   - the engine's tests on the GPU (models, catalog, the fast path),
#   - bench_speed --device cuda: fast-cnn, seed-cnn and bn-cnn (3 seeds each) against a bare
#     loop, 4 seed-CNN jobs at once against one, and where an epoch's time goes on the GPU
#     (targets: fast-cnn >= 99.0% in <= 0.5 s, seed CNN >= 99.0% in <= 1.0 s, bn-cnn >= 99.6%
#     in <= 10 s, 4 jobs <= 1.5x one),
#   - BENCHMARKS.md with the cuda sections written.
set -uo pipefail
export PLAYGROUND_MNIST_DIR="${1:-.gpu/mnist}" PYTHONUNBUFFERED=1
OUT="${OUT:-/tmp/gpu-out}"
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$OUT/gpu.txt"
python3 -c "import torch, torchvision; print('torch', torch.__version__, 'torchvision', torchvision.__version__, 'cuda', torch.cuda.is_available(), 'bf16', torch.cuda.is_bf16_supported())" | tee -a "$OUT/gpu.txt"
timeout 120 python3 -m pytest -q -x tests/test_models.py tests/test_catalog.py tests/test_fast_path.py 2>&1 | tail -3 | tee "$OUT/tests.txt"
timeout 420 python3 -m benchmarks.bench_speed --device cuda 2>&1 | tee "$OUT/speed.txt"
cp BENCHMARKS.md "$OUT/BENCHMARKS.md"
