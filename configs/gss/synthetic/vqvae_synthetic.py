# Stage I of the quick start: a small maskige VQ-VAE on generated scenes.
_base_ = [
    '../_base_/models/maskige_vqvae.py',
    '../_base_/datasets/synthetic_labels.py',
    '../_base_/schedules/adamw_poly_cpu.py', '../_base_/default_runtime.py'
]
model = dict(
    palette='camvid',
    num_classes=11,
    tokenizer=dict(num_res_blocks=1))
data = dict(samples_per_gpu=8, workers_per_gpu=1)
optimizer = dict(lr=2e-3, weight_decay=0.0)
runner = dict(max_iters=400)
checkpoint_config = dict(interval=400)
evaluation = dict(interval=400)
log_config = dict(interval=20)
