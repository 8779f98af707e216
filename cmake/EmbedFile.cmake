# Turns a data file into a C++ source that defines
#   extern const char SYMBOL[];  extern const std::size_t SYMBOL_size;
# Run as a script at build time:
#   cmake -DINPUT=file -DOUTPUT=file.cpp -DSYMBOL=name -P EmbedFile.cmake
# A hex array rather than a string literal: compilers limit the length of string literals.
file(READ "${INPUT}" _hex HEX)
string(LENGTH "${_hex}" _hex_length)
math(EXPR _size "${_hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," _chars "${_hex}")
# One line per 32 bytes keeps the generated file readable by tools.
string(REGEX REPLACE "(('\\\\x[0-9a-f][0-9a-f]',){32})" "\\1\n" _chars "${_chars}")
file(WRITE "${OUTPUT}.tmp"
  "// Generated from ${INPUT} by cmake/EmbedFile.cmake; do not edit.\n"
  "#include <cstddef>\n"
  "namespace kernels::abi_data {\n"
  "extern const char ${SYMBOL}[];\n"
  "extern const std::size_t ${SYMBOL}_size;\n"
  "const char ${SYMBOL}[] = {\n${_chars}'\\0'};\n"
  "const std::size_t ${SYMBOL}_size = ${_size};\n"
  "}  // namespace kernels::abi_data\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
