// Weka 3.6 reference run of OpenML's landmarker protocol, used to check _weka.py / _knn.py.
//
//   javac -cp /usr/share/java/weka.jar WekaCV.java
//   java -cp /usr/share/java/weka.jar:. WekaCV data.arff predictions.csv
//
// Runs NaiveBayes, IBk and DecisionStump (default options) through the same steps as
// Evaluation.crossValidateModel(learner, data, 2, new Random(1)), prints Weka's scores and
// writes every pooled prediction: learner, fold, row (0-based, file order), class, probabilities.
// A twin copy of the data with an ID attribute, shuffled by its own Random(1), names the rows
// without the ID reaching the learners. The class is the last attribute.
import weka.core.*;
import weka.core.converters.ConverterUtils.DataSource;
import weka.classifiers.*;
import weka.filters.Filter;
import weka.filters.unsupervised.attribute.AddID;
import java.util.Random;
import java.io.*;

public class WekaCV {
  public static void main(String[] a) throws Exception {
    Instances data = DataSource.read(a[0]);
    data.setClassIndex(data.numAttributes() - 1);
    AddID add = new AddID();
    add.setInputFormat(data);
    Instances withId = Filter.useFilter(data, add);
    withId.setClassIndex(withId.numAttributes() - 1);
    PrintWriter out = new PrintWriter(new FileWriter(a[1]));
    String[] names = {"weka.classifiers.bayes.NaiveBayes", "weka.classifiers.lazy.IBk",
                      "weka.classifiers.trees.DecisionStump"};
    String[] shorts = {"NaiveBayes", "kNN1N", "DecisionStump"};
    for (int n = 0; n < names.length; n++) {
      Random random = new Random(1), random2 = new Random(1);
      Instances d = new Instances(data), dId = new Instances(withId);
      d.randomize(random); d.stratify(2);
      dId.randomize(random2); dId.stratify(2);
      Evaluation eval = new Evaluation(d);
      for (int i = 0; i < 2; i++) {
        Instances train = d.trainCV(2, i, random), test = d.testCV(2, i);
        dId.trainCV(2, i, random2);
        Instances testId = dId.testCV(2, i);
        Classifier learner = Classifier.forName(names[n], new String[0]);
        learner.buildClassifier(train);
        for (int j = 0; j < test.numInstances(); j++) {
          Instance inst = test.instance(j);
          double[] dist = learner.distributionForInstance(inst);  // once: IBk updates its ranges
          StringBuilder sb = new StringBuilder();
          sb.append(shorts[n]).append(",").append(i).append(",")
            .append((int) testId.instance(j).value(0) - 1).append(",")
            .append(inst.classIsMissing() ? -1 : (int) inst.classValue());
          for (double p : dist) sb.append(",").append(p);
          out.println(sb);
          eval.evaluateModelOnceAndRecordPrediction(dist, inst);
        }
      }
      System.out.println(shorts[n] + " ErrRate=" + eval.errorRate() + " Kappa=" + eval.kappa()
                         + " AUC=" + eval.weightedAreaUnderROC());
    }
    out.close();
  }
}
