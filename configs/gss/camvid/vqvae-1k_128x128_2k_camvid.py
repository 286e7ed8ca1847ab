# Stage I on CamVid: the project's maskige VQ-VAE (4× tokens, 1,024
# class-layout codes) trained on ground-truth label maps, 2,000 iterations
# × batch 8 of 128×128 label crops; the tokenizer of the 700-iteration
# GSS configs. Evaluate the reconstruction upper bound with
#   python tools/test.py configs/gss/camvid/vqvae-1k_128x128_2k_camvid.py \
#       work_dirs/vqvae-1k_128x128_2k_camvid/latest.pth --eval mIoU
_base_ = [
    '../_base_/models/maskige_vqvae.py',
    '../_base_/datasets/camvid_labels.py',
    '../_base_/schedules/adamw_poly_stage1_8k.py',
    '../_base_/default_runtime.py'
]
model = dict(palette='camvid', num_classes=11)
data = dict(samples_per_gpu=8, workers_per_gpu=1)
lr_config = dict(warmup_iters=100)
runner = dict(max_iters=2000)
checkpoint_config = dict(interval=500)
evaluation = dict(interval=2000)
log_config = dict(interval=20)
cudnn_benchmark = False
