# Stage I on CamVid: the project's maskige VQ-VAE (4× tokens, 1,024
# class-layout codes) trained on ground-truth label maps, 2,000 iterations
# × batch 8 of 128×128 label crops; the tokenizer of the 700-iteration
# GSS configs. Evaluate the reconstruction upper bound with
#   python tools/test.py configs/gss/camvid/vqvae-1k_128x128_2k_camvid.py \
#       work_dirs/vqvae-1k_128x128_2k_camvid/latest.pth --eval mIoU
_base_ = [
    '../_base_/models/maskige_vqvae.py',
    '../_base_/datasets/camvid_labels.py', '../_base_/default_runtime.py'
]
model = dict(palette='camvid', num_classes=11)
data = dict(samples_per_gpu=8, workers_per_gpu=1)
optimizer = dict(type='AdamW', lr=2e-3, betas=(0.9, 0.99), weight_decay=0.0)
optimizer_config = dict()
lr_config = dict(
    policy='poly',
    warmup='linear',
    warmup_iters=100,
    warmup_ratio=1e-3,
    power=1.0,
    min_lr=1e-5,
    by_epoch=False)
runner = dict(type='IterBasedRunner', max_iters=2000)
checkpoint_config = dict(by_epoch=False, interval=500, max_keep_ckpts=2)
evaluation = dict(interval=2000, metric='mIoU', pre_eval=True)
log_config = dict(interval=20)
cudnn_benchmark = False
