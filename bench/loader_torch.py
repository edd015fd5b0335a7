#!/usr/bin/env python3
"""PyTorch peer of `npm run bench -- loader`: PIL decode + torchvision RandomResizedCrop + flip +
ToTensor + Normalize (OpenAI mean/std) through torch's DataLoader, on the same JPEG files, with the
same worker count and batch size. Also times PIL's decode alone and decode + crop on one thread.
With --rand-augment, torchvision's RandAugment(2, 9) runs after the flip (on the PIL crop, as a
DataLoader pipeline runs it), and RandAugment alone is timed on one thread on SIZE x SIZE crops,
both as uint8 tensors (the semantics zooclip's native ops copy) and as PIL images.
Usage: loader_torch.py LIST_FILE SIZE BATCH WORKERS EPOCHS [--rand-augment]. Prints one JSON line last."""
import json, sys, time

import torch
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from torchvision import transforms as T

MEAN, STD = (0.48145466, 0.4578275, 0.40821073), (0.26862954, 0.26130258, 0.27577711)


class Files(Dataset):
    def __init__(self, paths, tf):
        self.paths, self.tf = paths, tf

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        with open(self.paths[i], "rb") as f:
            img = Image.open(f).convert("RGB")
        return self.tf(img)


def loader_rate(paths, tf, batch, workers, epochs):
    dl = DataLoader(Files(paths, tf), batch_size=batch, shuffle=False, num_workers=workers, persistent_workers=workers > 0, drop_last=False)
    for _ in dl:  # warm-up pass: worker start-up and page cache
        pass
    t0, n = time.perf_counter(), 0
    for _ in range(epochs):
        for x in dl:
            n += x.shape[0]
    return n / (time.perf_counter() - t0)


def one_thread(paths, fn, limit=300):
    paths = paths[:limit]
    for p in paths[:20]:
        fn(p)
    t0 = time.perf_counter()
    for p in paths:
        fn(p)
    return len(paths) / (time.perf_counter() - t0)


def rand_augment_one_thread(paths, size, limit=300):
    """RandAugment(2, 9) alone on SIZE x SIZE crops of the files: uint8 tensors, then PIL images."""
    crops = [T.RandomResizedCrop(size)(Image.open(p).convert("RGB")) for p in paths[:limit]]
    tensors = [T.PILToTensor()(c) for c in crops]
    ra = T.RandAugment(2, 9)
    torch.manual_seed(0)

    def rate(items):
        for x in items[:20]:
            ra(x)
        t0 = time.perf_counter()
        for x in items:
            ra(x)
        return len(items) / (time.perf_counter() - t0)
    return rate(tensors), rate(crops)


def main():
    list_file, size, batch, workers, epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    rand_augment = "--rand-augment" in sys.argv[6:]
    paths = [l.strip() for l in open(list_file) if l.strip()]
    extra = [T.RandAugment(2, 9)] if rand_augment else []
    tf = T.Compose([T.RandomResizedCrop(size), T.RandomHorizontalFlip(), *extra, T.ToTensor(), T.Normalize(MEAN, STD)])
    default_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    decode = one_thread(paths, lambda p: Image.open(p).convert("RGB").load())
    crop = one_thread(paths, lambda p: T.RandomResizedCrop(size)(Image.open(p).convert("RGB")))
    ra_tensor, ra_pil = rand_augment_one_thread(paths, size) if rand_augment else (None, None)
    torch.set_num_threads(default_threads)
    rate = loader_rate(paths, tf, batch, workers, epochs)
    print(json.dumps({"img_s": rate, "decode_img_s": decode, "decode_crop_img_s": crop, "torch": torch.__version__,
                      "torchvision": __import__("torchvision").__version__, "pil": Image.__version__,
                      "ra_tensor_img_s": ra_tensor, "ra_pil_img_s": ra_pil}))


if __name__ == "__main__":
    main()
