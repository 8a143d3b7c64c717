"""The fixed parts of a standalone training script (standalone.py fills in the rest): its
imports, the data (IDX files or torchvision), the split, batches, augmentation, each loss, the
evaluation and the main loop. Each mirrors the app's own code line for line (data.py,
schedules.py, catalog.py, training.py); tests/test_standalone.py holds them to it.
"""

IMPORTS = """
    import argparse
    import gzip
    import json
    import math
    import sys
    import time
    from pathlib import Path

    import torch
    import torch.nn.functional as F
    from torch import nn
    """

DATA = '''
    # --- The data ---------------------------------------------------------------------
    FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")
    FILES += ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


    def read_idx(path):
        """An IDX file (MNIST's format, gzipped or not) as a uint8 tensor."""
        raw = path.read_bytes()
        if raw[:2] == b"\\x1f\\x8b":
            raw = gzip.decompress(raw)
        dims = raw[3]
        shape = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
        values = torch.frombuffer(bytearray(raw[4 + 4 * dims :]), dtype=torch.uint8)
        return values.reshape(shape)


    def find(data_dir, name):
        """name or name.gz in data_dir, or in torchvision's data_dir/DATASET/raw."""
        for folder in (data_dir, data_dir / str(DATASET) / "raw"):
            for file in (folder / name, folder / (name + ".gz")):
                if file.exists():
                    return file
        sys.exit(f"{name} (or {name}.gz) is not in {data_dir}.")


    def load_data(data_dir):
        """Train and test images (N, 1, 28, 28) as uint8, and their labels (N,)."""
        if data_dir:
            x, y, test_x, test_y = (read_idx(find(Path(data_dir), f)) for f in FILES)
        elif DATASET is None:
            sys.exit("This run used the playground's own sample: pass --data-dir.")
        else:
            import torchvision

            kind = getattr(torchvision.datasets, DATASET)
            train = kind("data", train=True, download=True)
            test = kind("data", train=False, download=True)
            x, y, test_x, test_y = train.data, train.targets, test.data, test.targets
        return x.unsqueeze(1), y.long(), test_x.unsqueeze(1), test_y.long()


    def split(x, y):
        """Hold out VAL_FRACTION of the training images: the same ones every run."""
        n_val = round(len(x) * VAL_FRACTION)
        order = torch.randperm(len(x), generator=torch.Generator().manual_seed(VAL_SEED))
        val, train = order[:n_val], order[n_val:]
        return x[train], y[train], x[val], y[val]


    def only(x, y, keep):
        """The images of the classes keep, labelled 0, 1, ... in that order."""
        wanted = torch.tensor(keep, dtype=torch.long)
        mask = torch.isin(y, wanted)
        lookup = torch.full((max(keep) + 1,), -1, dtype=torch.long)
        lookup[wanted] = torch.arange(len(keep))
        return x[mask], lookup[y[mask]]


    def balanced(x, y, per_class, seed):
        """per_class training images of each class, chosen by seed, the classes mixed."""
        generator = torch.Generator().manual_seed(seed)
        order = torch.randperm(len(y), generator=generator)
        picked = torch.cat([order[y[order] == c][:per_class] for c in torch.unique(y)])
        picked = picked[torch.randperm(len(picked), generator=generator)]
        return x[picked], y[picked]


    def normalise(x):
        """uint8 pixels -> floats with mean 0 and std 1 over the training set."""
        return x.float().mul_(1 / (255 * STD)).sub_(MEAN / STD)
    '''

AUGMENT = '''
    def augment(x, generator):
        """A randomly turned, resized and moved (and maybe thickened) copy of batch x."""
        b = x.shape[0]
        background = x.amin()  # the normalised value of a black pixel

        def uniform(limit):  # b random numbers between -limit and limit
            return (torch.rand(b, generator=generator) * 2 - 1) * limit

        angle = uniform(math.radians(AUGMENT["rotation"]))
        scale = 1 + uniform(AUGMENT["scale"])
        tx, ty = uniform(2 * AUGMENT["shift"]), uniform(2 * AUGMENT["shift"])
        cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
        rows = [torch.stack([cos, -sin, tx], 1), torch.stack([sin, cos, ty], 1)]
        theta = torch.stack(rows, 1).to(device=x.device, dtype=x.dtype)
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        out = F.grid_sample(x - background, grid, align_corners=False)
        if AUGMENT["thicken"] > 0:  # some strokes a pixel thicker
            pick = (torch.rand(b, generator=generator) < AUGMENT["thicken"]).to(x.device)
            thick = F.max_pool2d(out, 3, stride=1, padding=1)
            out = torch.where(pick[:, None, None, None], thick, out)
        return out + background
    '''

AUGMENT_CALL = """\
            if generator is not None:  # training batches only
                xb = augment(xb, generator)"""

BATCHES = '''
    def batches(x, y, generator=None):
        """Normalised batches; shuffled (and augmented) when given a generator."""
        order = None
        if generator is not None:
            order = torch.randperm(len(x), generator=generator).to(x.device)
        for start in range(0, len(x), BATCH_SIZE):
            if order is None:
                xb, yb = x[start : start + BATCH_SIZE], y[start : start + BATCH_SIZE]
            else:
                pick = order[start : start + BATCH_SIZE]
                xb, yb = x[pick], y[pick]
            xb = normalise(xb)
{augment}
            if CHANNELS_LAST:
                xb = xb.contiguous(memory_format=torch.channels_last)
            yield xb, yb
    '''

LOSSES = {
    "cross_entropy": '''
        def loss_fn(out, y, smoothing=LABEL_SMOOTHING):
            """Cross-entropy: softmax, then -log of the true class's probability."""
            return F.cross_entropy(out, y, label_smoothing=smoothing)


        def predictions(out):
            return out.argmax(dim=1)  # the largest output is the most probable class
        ''',
    "nll": '''
        def loss_fn(out, y, smoothing=0.0):
            """Negative log-likelihood of the log-softmax: cross-entropy in two steps."""
            return F.nll_loss(F.log_softmax(out, dim=1), y)


        def predictions(out):
            return out.argmax(dim=1)
        ''',
    "mse": '''
        def loss_fn(out, y, smoothing=0.0):
            """Mean squared error between the outputs and the one-hot labels."""
            return F.mse_loss(out, F.one_hot(y, CLASSES).to(out.dtype))


        def predictions(out):
            return out.argmax(dim=1)
        ''',
    "bce": '''
        def loss_fn(out, y, smoothing=0.0):
            """Binary cross-entropy: each output is a yes/no sigmoid."""
            if out.shape[1] == 1:  # one output: the chance of class 1
                return F.binary_cross_entropy_with_logits(out[:, 0], y.to(out.dtype))
            target = F.one_hot(y, CLASSES).to(out.dtype)
            return F.binary_cross_entropy_with_logits(out, target)


        def predictions(out):
            if out.shape[1] == 1:
                return (out[:, 0] > 0).long()
            return out.argmax(dim=1)
        ''',
}

MAIN = '''
    # --- Training -----------------------------------------------------------------------
    @torch.no_grad()
    def evaluate(model, x, y):
        """Mean loss and accuracy on images x, in eval mode (no dropout, batch norm fixed)."""
        model.eval()
        loss, correct = 0.0, 0
        for start in range(0, len(x), 1000):
            xb = normalise(x[start : start + 1000])
            if CHANNELS_LAST:
                xb = xb.contiguous(memory_format=torch.channels_last)
            yb = y[start : start + 1000]
            out = model(xb)
            loss += loss_fn(out, yb, 0.0).item() * len(yb)
            correct += (predictions(out) == yb).sum().item()
        model.train()
        return loss / max(1, len(y)), correct / max(1, len(y))


    def main():
        parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        parser.add_argument("--data-dir", help="a folder with the four IDX files")
        parser.add_argument("--epochs", type=int, default=EPOCHS)
        parser.add_argument(
            "--max-steps", type=int, default=MAX_STEPS, help="stop after N steps"
        )
        parser.add_argument("--json", action="store_true", help="print JSON lines")
        args = parser.parse_args()

        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        x, y, test_x, test_y = load_data(args.data_dir)
        x, y, val_x, val_y = split(x, y)
        if KEEP_CLASSES:
            x, y = only(x, y, KEEP_CLASSES)
            val_x, val_y = only(val_x, val_y, KEEP_CLASSES)
            test_x, test_y = only(test_x, test_y, KEEP_CLASSES)
        if EXAMPLES_PER_CLASS:
            x, y = balanced(x, y, EXAMPLES_PER_CLASS, SEED)
        if TRAIN_LIMIT:
            x, y = x[:TRAIN_LIMIT], y[:TRAIN_LIMIT]
        x, y, val_x, val_y = x.to(device), y.to(device), val_x.to(device), val_y.to(device)
        test_x, test_y = test_x.to(device), test_y.to(device)

        torch.manual_seed(SEED)  # the weights, then dropout, follow the seed
        model = Net().to(device)
        if CHANNELS_LAST:
            model = model.to(memory_format=torch.channels_last)
        optimizer = {optimizer}
        generator = torch.Generator().manual_seed(SEED)  # shuffling and augmentation
        steps_per_epoch = math.ceil(len(x) / BATCH_SIZE)
        total_steps = steps_per_epoch * args.epochs
        if args.max_steps:  # the schedule ends where training does
            total_steps = min(total_steps, args.max_steps)
        parameters = sum(p.numel() for p in model.parameters())
        if not args.json:
            print(f"{parameters:,} parameters, {len(x):,} training images, on {device}")

        step, first_loss, epochs_done, seconds = 0, None, 0, 0.0
        for epoch in range(1, args.epochs + 1):
            started = time.perf_counter()
            loss_sum, correct, seen = 0.0, 0, 0
            for xb, yb in batches(x, y, generator):
                rate = learning_rate(step, total_steps, steps_per_epoch)
                for group in optimizer.param_groups:
                    group["lr"] = rate
                optimizer.zero_grad()
                out = model(xb)
                loss = loss_fn(out, yb)
                loss.backward()  # the gradient of the loss for every weight
                optimizer.step()  # move the weights a little against it

                value = loss.item()
                if not math.isfinite(value):
                    sys.exit(f"The loss diverged at step {step + 1}: lower LEARNING_RATE.")
                first_loss = value if first_loss is None else first_loss
                step += 1
                loss_sum += value * len(yb)
                correct += (predictions(out) == yb).sum().item()
                seen += len(yb)
                if step == args.max_steps:
                    break
            seconds += time.perf_counter() - started
            record = {
                "epoch": epoch,
                "train_loss": loss_sum / seen,
                "train_accuracy": correct / seen,
                "seconds": round(time.perf_counter() - started, 2),
            }
            if len(val_y):
                record["val_loss"], record["val_accuracy"] = evaluate(model, val_x, val_y)
            if args.json:
                print(json.dumps(record))
            else:
                val = record.get("val_accuracy")
                print(
                    f"epoch {epoch}/{args.epochs}: train loss {record['train_loss']:.4f}, "
                    f"train accuracy {record['train_accuracy']:.2%}"
                    + (f", val accuracy {val:.2%}" if val is not None else "")
                    + f" ({record['seconds']} s)"
                )
            epochs_done = epoch
            if step == args.max_steps:
                break

        test_loss, test_accuracy = evaluate(model, test_x, test_y)
        summary = {
            "test_accuracy": test_accuracy,
            "test_loss": test_loss,
            "epochs": epochs_done,
            "steps": step,
            "parameters": parameters,
            "first_loss": first_loss,
            "train_seconds": round(seconds, 2),
        }
        if args.json:
            print(json.dumps(summary))
        else:
            print(f"test accuracy {test_accuracy:.2%} (loss {test_loss:.4f})")


    if __name__ == "__main__":
        main()
    '''
