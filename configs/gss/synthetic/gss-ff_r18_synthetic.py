# Stage II of the quick start: GSS-FF with a narrow ResNet-18 from scratch,
# predicting the tokens of the stage-I tokenizer (vqvae_synthetic.py).
_base_ = [
    '../_base_/models/gss_ff_r18_small.py',
    '../_base_/datasets/synthetic.py', '../_base_/schedules/adamw_poly_cpu.py',
    '../_base_/default_runtime.py'
]
model = dict(
    decode_head=dict(
        num_classes=11,
        palette='camvid',
        tokenizer=dict(
            type='MaskigeVQVAE',
            num_res_blocks=1,
            checkpoint='work_dirs/vqvae_synthetic/latest.pth')))
data = dict(samples_per_gpu=8, workers_per_gpu=1)
runner = dict(max_iters=800)
checkpoint_config = dict(interval=800)
evaluation = dict(interval=800)
log_config = dict(interval=20)
