# Stage-I schedule for the maskige VQ-VAE on the published datasets (the
# shape of vqvae-1k_128x128_2k_camvid.py's, longer): AdamW lr 2e-3, 200 warm-up
# iterations, poly decay over 8k iterations.
optimizer = dict(type='AdamW', lr=2e-3, betas=(0.9, 0.99), weight_decay=0.0)
optimizer_config = dict()
lr_config = dict(
    policy='poly',
    warmup='linear',
    warmup_iters=200,
    warmup_ratio=1e-3,
    power=1.0,
    min_lr=1e-5,
    by_epoch=False)
runner = dict(type='IterBasedRunner', max_iters=8000)
checkpoint_config = dict(by_epoch=False, interval=2000, max_keep_ckpts=2)
evaluation = dict(interval=8000, metric='mIoU', pre_eval=True)
