{
  "targets": [
    {
      "target_name": "ssdkit_native",
      "sources": ["native/src/addon.cc", "native/src/ops.cc", "native/src/winograd.cc", "native/src/maxPool.cc", "native/src/conv.cc", "native/src/cachingAllocator.cc", "native/src/profiler.cc", "native/src/isa.cc", "native/src/winogradGemm.cc", "native/src/winogradTransforms.cc", "native/src/handles.cc", "native/src/cudaInfo.cc", "native/src/dist.cc"],
      "include_dirs": [
        "<!@(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node native/libtorch-config.cjs include)"
      ],
      "libraries": ["<!@(node native/libtorch-config.cjs libs)"],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags_cc": ["<!@(node native/libtorch-config.cjs std)", "<!@(node native/libtorch-config.cjs openmp)", "-O2", "-fexceptions", "-frtti", "-Wno-unused-parameter", "-Wno-deprecated-declarations"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED", "<!@(node native/libtorch-config.cjs defines)"]
    }
  ]
}
