#!/usr/bin/env python3
"""Writes decode_pil_golden.json: PIL's antialiased resize of crop boxes of a synthetic image, the
reference for test/data/decode_golden.test.ts. Run with Debian's python3-pil:
/usr/bin/python3 test/data/decode_pil_golden.py"""
import base64, json, os
import numpy as np
from PIL import Image

W, H = 120, 90
y, x, c = np.mgrid[0:H, 0:W, 0:3]
pixels = (((x * 7 + y * 13 + c * 50) % 256) ^ ((x * y) & 31)).astype(np.uint8)  # same formula in the test
img = Image.fromarray(pixels, "RGB")
cases = []
for name, flt in (("bilinear", Image.BILINEAR), ("bicubic", Image.BICUBIC)):
    for box, size in (((10, 5, 110, 85), (24, 20)), ((30, 20, 45, 38), (24, 24)), ((0, 0, 120, 90), (16, 12))):
        out = np.asarray(img.resize(size, flt, box=box))
        cases.append({"filter": name, "box": box, "size": size, "pixels": base64.b64encode(out.tobytes()).decode()})
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "decode_pil_golden.json")
with open(path, "w") as f:
    json.dump({"width": W, "height": H, "pil": Image.__version__, "cases": cases}, f)
print(f"wrote {path}")
