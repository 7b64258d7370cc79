# What `cmake --install` puts where (FHS, GNUInstallDirs) beyond the programs, and the two Debian
# packages CPack makes of it: tensor-workbench (the workbench, which depends on the engine) and
# twb-engine (the engine alone, for headless nodes). Runtime dependencies come from
# dpkg-shlibdeps, so only the libraries the binaries link are named.
# Man pages and changelogs gzipped as Debian wants them (gzip -n: no timestamp, reproducible).
set(TWB_PACKAGING_DIR ${PROJECT_BINARY_DIR}/packaging)
set(TWB_GZIPPED)
foreach(source docs/man/twb-engine.1 docs/man/tensor-workbench.1 packaging/changelog)
  get_filename_component(name ${source} NAME)
  add_custom_command(OUTPUT ${TWB_PACKAGING_DIR}/${name}.gz
                     COMMAND ${CMAKE_COMMAND} -E make_directory ${TWB_PACKAGING_DIR}
                     COMMAND sh -c "gzip -9n -c '${PROJECT_SOURCE_DIR}/${source}' > '${TWB_PACKAGING_DIR}/${name}.gz'"
                     DEPENDS ${PROJECT_SOURCE_DIR}/${source} VERBATIM)
  list(APPEND TWB_GZIPPED ${TWB_PACKAGING_DIR}/${name}.gz)
endforeach()
add_custom_target(twb_gzipped_docs ALL DEPENDS ${TWB_GZIPPED})

# Each package's own doc folder: its copyright (DEP-5) and changelog.
foreach(component engine workbench)
  set(package twb-engine)
  if(component STREQUAL workbench)
    set(package tensor-workbench)
  endif()
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/copyright ${TWB_PACKAGING_DIR}/changelog.gz
          DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${package} COMPONENT ${component})
endforeach()
install(FILES ${PROJECT_SOURCE_DIR}/THIRD-PARTY-NOTICES.md
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/twb-engine COMPONENT engine)
install(FILES ${TWB_PACKAGING_DIR}/twb-engine.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1
        COMPONENT engine)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/twb-engine-node.service
        DESTINATION lib/systemd/user COMPONENT engine)
if(TWB_WITH_GUI)
  install(FILES ${TWB_PACKAGING_DIR}/tensor-workbench.1.gz
          DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT workbench)
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/tensor-workbench.desktop
          DESTINATION ${CMAKE_INSTALL_DATADIR}/applications COMPONENT workbench)
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/org.tensorworkbench.TensorWorkbench.metainfo.xml
          DESTINATION ${CMAKE_INSTALL_DATADIR}/metainfo COMPONENT workbench)
  install(FILES ${PROJECT_SOURCE_DIR}/resources/icons/tensor-workbench.svg
          DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps COMPONENT workbench)
  # The engine bundle the workbench deploys to remote nodes, made from this build's engine when
  # installing (not at every build: it packs ~40 MiB of libraries). The app finds it in
  # lib/tensor-workbench beside its bin/.
  install(CODE "execute_process(COMMAND ${PROJECT_SOURCE_DIR}/packaging/make-engine-bundle.sh
                  $<TARGET_FILE:twb-engine>
                  \$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/lib/tensor-workbench
                  COMMAND_ERROR_IS_FATAL ANY OUTPUT_QUIET)"
          COMPONENT workbench)
endif()

set(CPACK_PACKAGE_NAME tensor-workbench)
set(CPACK_PACKAGE_VENDOR "Tensor Workbench")
set(CPACK_PACKAGE_CONTACT "Tensor Workbench developers <dev@tensorworkbench.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Deep-learning experiments across precisions and machines")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_GENERATOR DEB)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://tensorworkbench.org")
set(CPACK_DEBIAN_ENGINE_PACKAGE_NAME twb-engine)
set(CPACK_DEBIAN_ENGINE_DESCRIPTION "Tensor Workbench engine and node service
 The native engine (oneDNN, Gloo) that trains, quantizes and serves jobs,
 and the node daemon the workbench reaches over SSH.")
# The example jobs and the workbench's first run train on Fashion-MNIST.
set(CPACK_DEBIAN_ENGINE_PACKAGE_RECOMMENDS dataset-fashion-mnist)
set(CPACK_DEBIAN_WORKBENCH_PACKAGE_NAME tensor-workbench)
set(CPACK_DEBIAN_WORKBENCH_PACKAGE_DEPENDS "twb-engine (= ${PROJECT_VERSION})")
set(CPACK_DEBIAN_WORKBENCH_DESCRIPTION "Desktop workbench for deep-learning experiments
 Design or import models, train them in fp32, bf16 and int8 on one machine
 or many, watch and compare runs, export quantized models.")
set(CPACK_COMPONENTS_ALL engine workbench)
include(CPack)
