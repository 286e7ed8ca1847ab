# GSS-FF on CamVid-11, setting (a): narrow ResNetV1c-18 from scratch, the
# stage-I maskige VQ-VAE of vqvae_camvid.py as tokenizer (tokens on the 1/4
# grid). Sized for a 2-core CPU (see README, "CamVid").
_base_ = [
    '../_base_/models/gss_ff_r18_small.py',
    '../_base_/datasets/camvid.py', '../_base_/schedules/adamw_poly_cpu.py',
    '../_base_/default_runtime.py'
]
model = dict(
    decode_head=dict(
        num_classes=11,
        palette='camvid',
        tokenizer=dict(
            # the defaults of MaskigeVQVAE, as in vqvae_camvid.py
            type='MaskigeVQVAE',
            checkpoint='work_dirs/vqvae_camvid/latest.pth')))
crop_size = (256, 256)
data = dict(samples_per_gpu=4, workers_per_gpu=1)
runner = dict(max_iters=700)
checkpoint_config = dict(interval=350)
evaluation = dict(interval=700)
log_config = dict(interval=20)
