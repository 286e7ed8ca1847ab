# GSS-FF, Swin-L (22k, 384), ADE20K 512×512, 160k iterations, batch
# 4 × 8 GPUs, AdamW lr 1.2e-4. Whole-image test (images resized to a short
# side of 512). Paper: 46.29 mIoU.
_base_ = [
    '../_base_/models/gss_ff_swin-l.py',
    '../_base_/datasets/ade20k_512x512.py', '../_base_/default_runtime.py',
    '../_base_/schedules/adamw_poly_160k.py'
]
model = dict(
    # Decode and run X⁻¹ in tiles of 96 tokens: the same outputs, a lower
    # peak memory (docs/memory.md).
    decode_head=dict(
        num_classes=150, palette='ade20k',
        decode_tile_size=96),
    test_cfg=dict(mode='whole'))
optimizer = dict(lr=1.2e-4)
