"""Deployment: ONNX export and ONNX Runtime inference (optional extra:
``pip install -r requirements/deploy.txt``; onnx and onnxruntime are only
imported when a function here needs them)."""
from .export_friendly import export_friendly, shape_only
from .onnx import (INSTALL_HINT, AutoencoderExportWrapper,
                   DeployMismatchError, ONNXRuntimeMultiDomainSegmentor,
                   ONNXRuntimeSegmentor, SegmentorExportWrapper, build_model,
                   build_onnx_segmentor, check_identity, compare_outputs,
                   example_input, export_onnx, export_wrapper,
                   graph_identity, inference_session, load_input,
                   require_onnxruntime, run_session, write_identity)

__all__ = [
    'INSTALL_HINT', 'AutoencoderExportWrapper', 'ONNXRuntimeSegmentor',
    'ONNXRuntimeMultiDomainSegmentor', 'SegmentorExportWrapper',
    'build_model', 'build_onnx_segmentor', 'compare_outputs',
    'example_input', 'export_friendly', 'export_onnx', 'export_wrapper',
    'inference_session', 'load_input', 'require_onnxruntime', 'run_session',
    'DeployMismatchError', 'graph_identity', 'write_identity',
    'check_identity', 'shape_only'
]
