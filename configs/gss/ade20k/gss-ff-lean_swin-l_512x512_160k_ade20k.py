# GSS-FF-lean, Swin-L, ADE20K 512×512, 160k iterations: the published GSS-FF
# Swin-L config (backbone, head, data, schedule, whole-image test) with the
# project's maskige VQ-VAE (4× down, 4,096 class-layout codes: 150 classes
# make far more 4×4 layouts than Cityscapes' 19) trained by vqvae_ade20k.py
# instead of the DALL·E dVAE, and the token classifier factorised
# 2048 → 256 → 4,096. Compared with upernet_swin-l_512x512_160k_ade20k.py in
# docs/lean.md (benchmarks/bench_flops.py).
_base_ = './gss-ff_swin-l_512x512_160k_ade20k.py'
model = dict(
    decode_head=dict(
        tokenizer=dict(
            _delete_=True,
            # as in vqvae_ade20k.py
            type='MaskigeVQVAE',
            quantizer=dict(type='EMAVectorQuantizer', num_codes=4096),
            checkpoint='work_dirs/vqvae_ade20k/latest.pth'),
        token_classifier_rank=256,
        # The VQ-VAE decodes cheaply, and tiles only to float rounding.
        decode_tile_size=None))
