# GSS-FF, class-balanced: the GSS-FF of the converged CamVid suite
# (docs/experiments/camvid.md), on the 4,096-code tokenizer of
# vqvae-4k_128x128_2k_camvid.py, with the baseline's class weights: the
# auxiliary pixel loss takes them as its class_weight, and the token loss
# weighs each cell by the mean weight of its pixels' classes.
_base_ = [
    '../_base_/models/gss_ff_effnet-lite0.py',
    '../_base_/datasets/camvid.py',
    '../_base_/datasets/camvid_class_weight.py',
    '../_base_/schedules/camvid_2k.py', '../_base_/default_runtime.py'
]
model = dict(
    backbone=dict(data_norm={{_base_.img_norm_cfg}}),
    decode_head=dict(
        tokenizer=dict(
            quantizer=dict(type='EMAVectorQuantizer', num_codes=4096),
            checkpoint='work_dirs/vqvae-4k_128x128_2k_camvid/latest.pth'),
        # mmseg's token loss without a float32 copy of the bf16 logits
        # (4,096 codes; benchmarks/bench_token_loss.py)
        loss_token=dict(type='TokenCrossEntropyLoss', loss_weight=0.8),
        cell_class_weight={{_base_.class_weight}},
        loss_decode=dict(
            type='CrossEntropyLoss',
            loss_weight=0.2,
            avg_non_ignore=True,
            loss_name='loss_pixel',
            class_weight={{_base_.class_weight}})))
data = dict(samples_per_gpu=4, workers_per_gpu=1)
log_config = dict(interval=20)
