#include <cstddef>
#include <cstring>
#include <string_view>
#include <type_traits>

#include <doctest/doctest.h>

#include "kernels/layer_table.h"

// The table crosses a dlopen() boundary between libraries built by different compilers: it must
// stay plain C data with the layout the header promises.
static_assert(std::is_standard_layout_v<kernels_layer>);
static_assert(std::is_trivially_copyable_v<kernels_layer>);
static_assert(std::is_standard_layout_v<kernels_layer_table>);
static_assert(std::is_trivially_copyable_v<kernels_layer_table>);
static_assert(offsetof(kernels_layer_table, version) == 0);

namespace {

int forward_calls = 0;
void* fake_forward() {
  ++forward_calls;
  return nullptr;
}

const kernels_layer kLayers[] = {
    {"SiluAndMul", "(Tensor x) -> Tensor",
     KERNELS_LAYER_SUPPORTS_INFERENCE | KERNELS_LAYER_SUPPORTS_TORCH_COMPILE,
     KERNELS_DEVICE_CPU | KERNELS_DEVICE_CUDA, reinterpret_cast<void*>(&fake_forward)},
};
const kernels_layer_table kTable = {KERNELS_LAYER_TABLE_VERSION,
                                    sizeof(kernels_layer),
                                    "activation",
                                    "_activation_cpu_0000000",
                                    "2.11.0",
                                    1,
                                    1,
                                    kLayers};

const kernels_layer_table* table_v1() {
  return &kTable;
}

}  // namespace

TEST_CASE("layer table: the symbol name carries the table version") {
  CHECK(std::string_view(KERNELS_LAYER_TABLE_SYMBOL) == "kernels_layer_table_v1");
  CHECK(KERNELS_LAYER_TABLE_VERSION == 1U);
}

TEST_CASE("layer table: flags and devices are distinct bits") {
  const unsigned flags[] = {KERNELS_LAYER_HAS_BACKWARD, KERNELS_LAYER_SUPPORTS_INFERENCE,
                            KERNELS_LAYER_SUPPORTS_TRAINING, KERNELS_LAYER_SUPPORTS_TORCH_COMPILE};
  const unsigned devices[] = {KERNELS_DEVICE_CPU, KERNELS_DEVICE_CUDA, KERNELS_DEVICE_ROCM,
                              KERNELS_DEVICE_XPU, KERNELS_DEVICE_MPS};
  unsigned seen = 0;
  for (unsigned flag : flags) {
    CHECK((flag & (flag - 1)) == 0);
    CHECK((seen & flag) == 0);
    seen |= flag;
  }
  seen = 0;
  for (unsigned device : devices) {
    CHECK((device & (device - 1)) == 0);
    CHECK((seen & device) == 0);
    seen |= device;
  }
}

TEST_CASE("layer table: a reader walks layers by layer_size and calls the forward") {
  const kernels_layer_table_v1_fn get = &table_v1;
  const kernels_layer_table* table = get();
  REQUIRE(table->version == KERNELS_LAYER_TABLE_VERSION);
  REQUIRE(table->layer_size >= sizeof(kernels_layer));
  const auto* bytes = reinterpret_cast<const unsigned char*>(table->layers);
  const auto* layer = reinterpret_cast<const kernels_layer*>(bytes + 0 * table->layer_size);
  CHECK(std::strcmp(layer->name, "SiluAndMul") == 0);
  CHECK((layer->flags & KERNELS_LAYER_HAS_BACKWARD) == 0);
  CHECK((layer->devices & KERNELS_DEVICE_CUDA) != 0);
  auto* forward = reinterpret_cast<void* (*)()>(layer->forward);
  forward();
  CHECK(forward_calls == 1);
}
