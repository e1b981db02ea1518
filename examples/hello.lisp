;;; ./hello.lisp: dotslash runs this file in a Common Lisp rootfs of its own
;;; (built by examples/demo.sh); this machine needs no Lisp. There is no #!
;;; line: binfmt_misc picks the language by the file's extension.
(let ((version (lisp-implementation-version)))
  (format t "Hello from ~A ~A~%" (lisp-implementation-type)
          (subseq version 0 (or (position #\Space version) (length version)))))
(format t "  arguments: ~S~%" ext:*args*)
(format t "  (expt 2 100) = ~D~%" (expt 2 100))
