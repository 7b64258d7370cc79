// The job document the Job tab edits, and where a problem's field is written in a JSON text.
#include <QJsonArray>
#include <QJsonDocument>
#include <QtTest>

#include "app/job_document.h"
#include "app/job_paths.h"
#include "app/json_locator.h"

using twb::app::JobDocument;
using twb::app::jsonFieldOffset;
using twb::app::MovedPath;
using twb::app::pathsMovedBetween;

class JobDocumentTest : public QObject {
  Q_OBJECT

 private slots:
  void anEditTouchesOnlyItsPath() {
    const QJsonObject given{{"optimizer", QJsonObject{{"type", "sgd"}, {"lr", 0.1}, {"beta9", 7}}},
                            {"unknown_field", "kept"}};
    JobDocument document(given);
    document.set("optimizer.lr", 0.2, 0.01);
    QJsonObject expected = given;
    expected["optimizer"] = QJsonObject{{"type", "sgd"}, {"lr", 0.2}, {"beta9", 7}};
    QCOMPARE(document.json(), expected);
    document.set("checkpoint.keep", 5, 3);  // objects on the way are made
    QCOMPARE(document.value("checkpoint.keep").toInt(), 5);
    QCOMPARE(document.value("checkpoint.every_steps", 0).toInt(), 0);  // the engine's default
    QVERIFY(!document.contains("checkpoint.every_steps"));
  }

  void aDefaultIsWrittenOnlyWhereTheFileNamedIt() {
    JobDocument document(QJsonObject{{"batch", 64}, {"eval", QJsonObject{{"every_epoch", true}}}});
    document.set("batch", 64, 64);  // named by the file: kept
    QCOMPARE(document.json()["batch"].toInt(), 64);
    document.set("eval.every_epoch", true, true);
    QVERIFY(document.contains("eval.every_epoch"));
    // Away from the default and back: no trace, not even the object made on the way.
    document.set("checkpoint.every_steps", 100, 0);
    QVERIFY(document.contains("checkpoint.every_steps"));
    document.set("checkpoint.every_steps", 0, 0);
    QVERIFY(!document.json().contains("checkpoint"));
    QCOMPARE(document.json(),
             (QJsonObject{{"batch", 64}, {"eval", QJsonObject{{"every_epoch", true}}}}));
  }

  void removeLeavesNoEmptyObjects() {
    JobDocument document(QJsonObject{
        {"dataset", QJsonObject{{"train", "x"}, {"augment", QJsonObject{{"flip", true}}}}}});
    document.remove("dataset.augment.flip");
    QCOMPARE(document.json(), (QJsonObject{{"dataset", QJsonObject{{"train", "x"}}}}));
    document.remove("no.such.field");
    QCOMPARE(document.json(), (QJsonObject{{"dataset", QJsonObject{{"train", "x"}}}}));
  }

  void locatesAFieldInText() {
    const QString text =
        "{\n  \"name\": \"a\",\n  \"optimizer\": {\"type\": \"sgd\", \"lr\": 0.1},\n"
        "  \"model\": {\"spec\": {\"nodes\": [{\"op\": \"Linear\"}, {\"op\": \"ReLU\", \"attrs\": "
        "{}}]}}\n}";
    QCOMPARE(jsonFieldOffset(text, "name"), static_cast<int>(text.indexOf("\"name\"")));
    QCOMPARE(jsonFieldOffset(text, "optimizer.lr"), static_cast<int>(text.indexOf("\"lr\"")));
    QCOMPARE(jsonFieldOffset(text, "model.spec.nodes[1].attrs"),
             static_cast<int>(text.indexOf("\"attrs\"")));
    // An element of an array: its value, a number as an object.
    const QString list = "{\"sweep\": {\"parameters\": {\"batch\": [32,\n 64, 128]}}}";
    QCOMPARE(jsonFieldOffset(list, "sweep.parameters.batch[1]"),
             static_cast<int>(list.indexOf("64")));
    QCOMPARE(jsonFieldOffset(list, "sweep.parameters.batch[0]"),
             static_cast<int>(list.indexOf("32")));
    QCOMPARE(jsonFieldOffset(text, "model.spec.nodes[1]"),
             static_cast<int>(text.indexOf("{\"op\": \"ReLU\"")));
    QCOMPARE(jsonFieldOffset(list, "sweep.parameters.batch[5]"),
             static_cast<int>(list.indexOf("\"batch\"")));
    // A field the text lacks: its nearest enclosing key.
    QCOMPARE(jsonFieldOffset(text, "optimizer.momentum"),
             static_cast<int>(text.indexOf("\"optimizer\"")));
    QCOMPARE(jsonFieldOffset(text, "epochs"), -1);
    // A value that looks like a key is not one; a string with an escaped quote is skipped whole.
    const QString tricky = "{\"name\": \"lr\\\": x\", \"lr\": 1}";
    QCOMPARE(jsonFieldOffset(tricky, "lr"), static_cast<int>(tricky.lastIndexOf("\"lr\"")));
    // Text that does not parse is read as far as it goes.
    QCOMPARE(jsonFieldOffset("{\"batch\": 12 8", "batch"), 1);
  }

  // A job saved in another folder: each relative path, named from there, reaches the same file.
  void relativePathsKeepTheirFilesFromAnotherFolder() {
    const QJsonObject job{{"model", QJsonObject{{"file", "nets/net.onnx"}}},
                          {"dataset", QJsonObject{{"train", "npy:x.npy,/data/y.npy"},
                                                  {"test", "images:../photos:test=0.25"}}}};
    const QList<MovedPath> moved =
        pathsMovedBetween(job, "/work/exp", "/work/exp/saved/here").paths;
    QCOMPARE(moved.size(), 3);
    QCOMPARE(moved[0].field, QString("model.file"));
    QCOMPARE(moved[0].given, QString("nets/net.onnx"));
    QCOMPARE(moved[0].moved, QString("../../nets/net.onnx"));
    QCOMPARE(moved[1].field, QString("dataset.train"));
    QCOMPARE(moved[1].moved, QString("npy:../../x.npy,/data/y.npy"));  // absolute: as it was
    QCOMPARE(moved[2].moved, QString("images:../../../photos:test=0.25"));
    // Up and across: the path climbs to the folders' common parent.
    const QJsonObject npz{{"dataset", "npz:arrays/mnist.npz:xs,ys"}};
    const QList<MovedPath> across = pathsMovedBetween(npz, "/a/b", "/a/c").paths;
    QCOMPARE(across.size(), 1);
    QCOMPARE(across[0].field, QString("dataset"));
    QCOMPARE(across[0].moved, QString("npz:../b/arrays/mnist.npz:xs,ys"));
    // Nothing moves: the same folder (spelt otherwise), datasets of no file, absolute paths, or
    // a job read from no folder.
    QVERIFY(pathsMovedBetween(job, "/work/exp", "/work/exp/saved/..").isEmpty());
    QVERIFY(pathsMovedBetween(QJsonObject{{"dataset", "fashion-mnist"},
                                          {"model", QJsonObject{{"file", "/m/net.twbm"}}}},
                              "/a", "/b")
                .isEmpty());
    QVERIFY(
        pathsMovedBetween(QJsonObject{{"dataset", "synthetic:3x32x32:10"}}, "/a", "/b").isEmpty());
    QVERIFY(pathsMovedBetween(job, "", "/b").isEmpty());
  }

  // A sweep's values for those fields are paths too, read as the trial's own fields: each is
  // moved where it is, the rest of the sweep block as it was.
  void sweptPathsKeepTheirFilesFromAnotherFolder() {
    const QJsonObject sweep{
        {"method", "grid"},
        {"parameters",
         QJsonObject{
             {"model.file", QJsonArray{"a.onnx", "/m/b.onnx"}},
             {"dataset", QJsonObject{{"values", QJsonArray{"fashion-mnist", "npy:x.npy,y.npy"}}}},
             {"model", QJsonArray{QJsonObject{{"file", "c.twbm"}, {"args", QJsonObject{}}}}},
             {"dataset.test", QJsonArray{"npz:t.npz:a,b"}},
             {"optimizer.lr", QJsonObject{{"min", 0.001}, {"max", 1}}},
             {"dataset.augment.flip", QJsonArray{true, false}}}}};
    const QJsonObject job{{"dataset", "npy:x.npy,y.npy"}, {"sweep", sweep}};
    const twb::app::PathsMoved moved = pathsMovedBetween(job, "/w/exp", "/w/other");
    QStringList shown;
    for (const MovedPath& path : moved.paths)
      shown << path.field + ": " + path.given + " -> " + path.moved;
    QCOMPARE(shown, QStringList({
                        "dataset: npy:x.npy,y.npy -> npy:../exp/x.npy,../exp/y.npy",
                        "sweep.parameters.dataset[1]: npy:x.npy,y.npy -> "
                        "npy:../exp/x.npy,../exp/y.npy",
                        "sweep.parameters.dataset.test[0]: npz:t.npz:a,b -> npz:../exp/t.npz:a,b",
                        "sweep.parameters.model[0].file: c.twbm -> ../exp/c.twbm",
                        "sweep.parameters.model.file[0]: a.onnx -> ../exp/a.onnx",
                    }));
    QCOMPARE(moved.edits.size(), 2);
    QCOMPARE(moved.edits[0],
             qMakePair(QString("dataset"), QJsonValue("npy:../exp/x.npy,../exp/y.npy")));
    QCOMPARE(moved.edits[1].first, QString("sweep.parameters"));
    QJsonObject parameters = sweep["parameters"].toObject();
    parameters["model.file"] = QJsonArray{"../exp/a.onnx", "/m/b.onnx"};
    parameters["dataset"] =
        QJsonObject{{"values", QJsonArray{"fashion-mnist", "npy:../exp/x.npy,../exp/y.npy"}}};
    parameters["model"] =
        QJsonArray{QJsonObject{{"file", "../exp/c.twbm"}, {"args", QJsonObject{}}}};
    parameters["dataset.test"] = QJsonArray{"npz:../exp/t.npz:a,b"};
    QCOMPARE(moved.edits[1].second.toObject(), parameters);
    // A sweep of no path: nothing to write.
    QJsonObject lrOnly = sweep;
    lrOnly["parameters"] = QJsonObject{{"optimizer.lr", QJsonArray{0.1, 1}}};
    QVERIFY(pathsMovedBetween({{"sweep", lrOnly}}, "/w/exp", "/w/other").edits.isEmpty());
  }
};

QTEST_GUILESS_MAIN(JobDocumentTest)
#include "tst_job_document.moc"
