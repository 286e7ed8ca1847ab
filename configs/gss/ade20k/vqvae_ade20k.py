# Stage I of GSS-FF-lean on ADE20K: the project's maskige VQ-VAE (4× tokens,
# 4,096 class-layout codes for 150 classes) trained on ground-truth label
# crops, as camvid/vqvae-1k_128x128_2k_camvid.py;
# gss-ff-lean_swin-l_512x512_160k_ade20k.py loads
# work_dirs/vqvae_ade20k/latest.pth. 8k iterations of 8 crops of 512²
# (about 3 passes over the 20,210 training maps; CPU times in
# docs/lean.md). Evaluate the reconstruction upper bound with
#   python tools/test.py configs/gss/ade20k/vqvae_ade20k.py \
#       work_dirs/vqvae_ade20k/latest.pth --eval mIoU
_base_ = [
    '../_base_/models/maskige_vqvae.py',
    '../_base_/datasets/ade20k_labels.py',
    '../_base_/schedules/adamw_poly_stage1_8k.py',
    '../_base_/default_runtime.py'
]
model = dict(
    palette='ade20k',
    num_classes=150,
    tokenizer=dict(
        quantizer=dict(type='EMAVectorQuantizer', num_codes=4096)))
data = dict(samples_per_gpu=8)
