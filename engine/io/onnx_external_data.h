#pragma once

// ONNX's external data: initializers whose bytes live in a file beside the model (how models past
// protobuf's 2 GB limit are stored, and what onnx.save_model(save_as_external_data=True) writes).

#include <onnx/onnx_pb.h>

#include <string>

namespace twb {

// Reads the bytes of every initializer of `graph` stored as external data into its raw_data,
// from the file its `location` names relative to the folder of `modelPath`. Throws twb::Error
// naming the model, the initializer and the file on a location outside that folder, a missing
// file or a range past its end.
void loadExternalData(onnx::GraphProto& graph, const std::string& modelPath);

}  // namespace twb
