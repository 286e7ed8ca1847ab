# Stage I of GSS-FF-lean on Cityscapes: the project's maskige VQ-VAE (4×
# tokens, 1,024 class-layout codes) trained on ground-truth label crops, as
# camvid/vqvae-1k_128x128_2k_camvid.py;
# gss-ff-lean_r101_768x768_80k_cityscapes.py loads
# work_dirs/vqvae_cityscapes/latest.pth. 8k iterations of 8 crops of 512²
# (about 22 passes over the 2,975 training maps; CPU times in docs/lean.md).
# Evaluate the reconstruction upper bound with
#   python tools/test.py configs/gss/cityscapes/vqvae_cityscapes.py \
#       work_dirs/vqvae_cityscapes/latest.pth --eval mIoU
_base_ = [
    '../_base_/models/maskige_vqvae.py',
    '../_base_/datasets/cityscapes_labels.py',
    '../_base_/schedules/adamw_poly_stage1_8k.py',
    '../_base_/default_runtime.py'
]
model = dict(
    palette='cityscapes',
    num_classes=19)
data = dict(samples_per_gpu=8)
