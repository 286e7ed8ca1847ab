# GSS-FT-W, class-balanced: the GSS-FT-W of the converged CamVid suite, the
# learnable X⁻¹ trained 1,000 iterations on the frozen model of
# gss-ff-balanced_effnet-lite0_256x256_2k_camvid.py with that model's class
# weights in its own pixel loss (an X⁻¹ fitted to the frequent classes
# would undo the balance).
_base_ = [
    '../_base_/models/gss_ft-w_effnet-lite0.py',
    '../_base_/datasets/camvid_class_weight.py',
    '../_base_/datasets/camvid.py', '../_base_/schedules/camvid_2k.py',
    '../_base_/default_runtime.py'
]
model = dict(
    decode_head=dict(
        loss_decode=dict(class_weight={{_base_.class_weight}}),
        tokenizer=dict(
            quantizer=dict(type='EMAVectorQuantizer', num_codes=4096))),
    backbone=dict(data_norm={{_base_.img_norm_cfg}}))
load_from = ('work_dirs/gss-ff-balanced_effnet-lite0_256x256_2k_camvid/'
             'latest.pth')
# batch 2: the X⁻¹'s window attention runs at full crop resolution
data = dict(samples_per_gpu=2, workers_per_gpu=1)
runner = dict(max_iters=1000)
checkpoint_config = dict(interval=500)
evaluation = dict(interval=250)
log_config = dict(interval=20)
