#!/usr/bin/env python3
"""PyTorch peer of `npm run bench -- loader`: PIL decode + torchvision RandomResizedCrop + flip +
ToTensor + Normalize (OpenAI mean/std) through torch's DataLoader, on the same JPEG files, with the
same worker count and batch size. Also times PIL's decode alone and decode + crop on one thread.
Usage: loader_torch.py LIST_FILE SIZE BATCH WORKERS EPOCHS. Prints one JSON line last."""
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


def main():
    list_file, size, batch, workers, epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    paths = [l.strip() for l in open(list_file) if l.strip()]
    tf = T.Compose([T.RandomResizedCrop(size), T.RandomHorizontalFlip(), T.ToTensor(), T.Normalize(MEAN, STD)])
    default_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    decode = one_thread(paths, lambda p: Image.open(p).convert("RGB").load())
    crop = one_thread(paths, lambda p: T.RandomResizedCrop(size)(Image.open(p).convert("RGB")))
    torch.set_num_threads(default_threads)
    rate = loader_rate(paths, tf, batch, workers, epochs)
    print(json.dumps({"img_s": rate, "decode_img_s": decode, "decode_crop_img_s": crop, "torch": torch.__version__,
                      "torchvision": __import__("torchvision").__version__, "pil": Image.__version__}))


if __name__ == "__main__":
    main()
