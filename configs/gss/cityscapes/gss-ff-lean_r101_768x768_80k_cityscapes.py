# GSS-FF-lean, ResNet-101, Cityscapes 768×768, 80k iterations: the published
# GSS-FF R101 config (head, data, schedule, sliding-window test) with three
# changes that bring one 768² window from ~12× to ~1.2× the FLOPs of
# mmseg's UPerNet R101 (upernet_r101_768x768_80k_cityscapes.py; numbers in
# docs/lean.md, benchmarks/bench_flops.py):
# * mmseg UPerNet's non-dilated ResNet-101-V1c (levels at strides
#   4/8/16/32; the MLA brings them to stride 4 anyway) instead of the
#   dilated one: the same backbone as the baseline it is compared with;
# * the project's maskige VQ-VAE (4× down, 1,024 class-layout codes) trained
#   by vqvae_cityscapes.py instead of the DALL·E dVAE: tokens on the same
#   stride-4 grid, decoding a few GFLOPs instead of ~5,500;
# * the token classifier factorised 2048 → 256 → 1,024.
_base_ = './gss-ff_r101_768x768_80k_cityscapes.py'
model = dict(
    backbone=dict(dilations=(1, 1, 1, 1), strides=(1, 2, 2, 2)),
    decode_head=dict(
        tokenizer=dict(
            _delete_=True,
            # the defaults of MaskigeVQVAE, as in vqvae_cityscapes.py
            type='MaskigeVQVAE',
            checkpoint='work_dirs/vqvae_cityscapes/latest.pth'),
        token_classifier_rank=256,
        # The VQ-VAE decodes cheaply, and tiles only to float rounding.
        decode_tile_size=None))
